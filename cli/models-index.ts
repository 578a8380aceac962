/**
 * `vigil prepare` (alias `vigil models:index`): prepares what the Worker build needs and git does not hold.
 * It discovers the bundled model packages in models/<name>/<version>/, checks each one (manifest schema,
 * directory names, artifact sha256) and writes src/registry/bundled-models.gen.ts, the module that compiles
 * them into the Worker, with the tree image of each package the compiled evaluator runs (its tree ensembles'
 * arrays, src/registry/tree-images.gen/, see tree-image.ts); and it stages the Swagger UI files served at /docs
 * into public/swagger-ui/; and it assembles the compiled evaluator's WASM tree walker
 * (src/inference/compiled/tree-walker.gen.wasm, from cli/lib/tree-walker-wat.ts). Run before every build (npm start,
 * test, deploy, typecheck).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { compileOnnx } from '../src/inference/compiled/compile-onnx.ts';
import type { TreeArrays } from '../src/inference/compiled/ops/tree-ensemble.ts';
import { encodeTreeImage } from '../src/inference/compiled/tree-image.ts';
import { canonicalJson } from '../src/lib/canonical-json.ts';
import { parseManifest, VERSION_PATTERN } from '../src/model/manifest.ts';
import { MODELS_DIR, REPO_ROOT } from './lib/paths.ts';
import { assembleTreeWalker } from './lib/tree-walker-wat.ts';

export const GENERATED_MODULE = join(REPO_ROOT, 'src', 'registry', 'bundled-models.gen.ts');
export const TREE_IMAGES_DIR = join(REPO_ROOT, 'src', 'registry', 'tree-images.gen');
export const TREE_WALKER_WASM = join(REPO_ROOT, 'src', 'inference', 'compiled', 'tree-walker.gen.wasm');

export interface BundledPackageDir {
  name: string;
  version: string;
  dir: string;
  /** The manifest is valid and complete (parsing it adds no default): the Worker uses it without parsing it again. */
  complete?: boolean;
  /** The artifact's sha256 (checked against the manifest's). */
  sha256?: string;
}

/** Package directories under `modelsDir`, validated; throws with every problem found. */
export function discoverBundledPackages(modelsDir = MODELS_DIR): BundledPackageDir[] {
  const found: BundledPackageDir[] = [];
  const problems: string[] = [];
  if (!existsSync(modelsDir)) return found;
  for (const name of readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const versions = readdirSync(join(modelsDir, name), { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[0-9]+$/.test(d.name))
      .map((d) => d.name)
      .sort((a, b) => Number(a) - Number(b));
    for (const version of versions) {
      const dir = join(modelsDir, name, version);
      const where = relative(REPO_ROOT, dir);
      const manifestPath = join(dir, 'manifest.json');
      const modelPath = join(dir, 'model.onnx');
      if (!existsSync(manifestPath) || !existsSync(modelPath)) {
        problems.push(`${where}: needs manifest.json and model.onnx`);
        continue;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
      } catch (error) {
        problems.push(`${where}/manifest.json: not valid JSON (${(error as Error).message})`);
        continue;
      }
      const parsed = parseManifest(raw);
      if (!parsed.ok) {
        problems.push(...parsed.issues.map((i) => `${where}/manifest.json: ${i.path}: ${i.message}`));
        continue;
      }
      const m = parsed.manifest;
      if (m.name !== name || m.version !== version) {
        problems.push(`${where}/manifest.json: says ${m.name} version ${m.version}, the directory says ${name} version ${version}`);
      }
      const sha256 = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
      if (sha256 !== m.artifact.sha256)
        problems.push(`${where}/model.onnx: sha256 ${sha256} does not match the manifest's ${m.artifact.sha256}`);
      found.push({ name, version, dir, complete: canonicalJson(m) === canonicalJson(raw), sha256 });
    }
  }
  if (problems.length) throw new Error(`bundled model packages are invalid:\n  ${problems.join('\n  ')}`);
  return found;
}

export const DEFAULT_DEPLOYMENTS_FILE = join(MODELS_DIR, 'deployments.json');

const DefaultDeploymentsSchema = z.record(
  z.string(),
  z
    .object({
      primary: z.string().regex(VERSION_PATTERN),
      shadows: z.array(z.object({ version: z.string().regex(VERSION_PATTERN), sample_rate: z.number().gt(0).max(1) }).strict()).default([]),
      sample_rate: z.number().min(0).max(1).optional(),
    })
    .strict()
    // null: bundled, registered and QA-gated, but serving only once an operator promotes a version.
    .nullable(),
);

/** models/deployments.json: the deployment each bundled model starts with; checked against the packages. */
export function readDefaultDeployments(packages: readonly BundledPackageDir[], file = DEFAULT_DEPLOYMENTS_FILE): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const parsed = DefaultDeploymentsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${relative(REPO_ROOT, file)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const [model, d] of Object.entries(parsed.data)) {
    if (d === null) {
      if (!packages.some((p) => p.name === model)) throw new Error(`${relative(REPO_ROOT, file)}: ${model} is not a bundled model`);
      continue;
    }
    for (const version of [d.primary, ...d.shadows.map((s) => s.version)]) {
      if (!packages.some((p) => p.name === model && p.version === version)) {
        throw new Error(`${relative(REPO_ROOT, file)}: ${model} version ${version} is not a bundled package`);
      }
    }
  }
  return parsed.data;
}

/** The file name of a package's tree image in TREE_IMAGES_DIR. */
export const treeImageFile = (p: Pick<BundledPackageDir, 'name' | 'version'>) => `${p.name}-${p.version}.trees`;

/**
 * The tree image of a package's model: the arrays of its tree ensembles as this build's compiled evaluator reads
 * them; null when it has no tree ensemble or the evaluator does not compile it (the model then needs no image).
 */
export function buildTreeImage(p: BundledPackageDir): Uint8Array | null {
  const bytes = new Uint8Array(readFileSync(join(p.dir, 'model.onnx')));
  const trees = new Map<number, TreeArrays>();
  const compiled = compileOnnx(bytes, trees);
  if (!compiled.ok || trees.size === 0) return null;
  return encodeTreeImage(p.sha256 ?? createHash('sha256').update(bytes).digest('hex'), trees);
}

/** Writes the packages' tree images to `dir` (only files that change) and removes any other file there. */
export function writeTreeImages(packages: readonly BundledPackageDir[], dir = TREE_IMAGES_DIR): Set<BundledPackageDir> {
  mkdirSync(dir, { recursive: true });
  const imaged = new Set<BundledPackageDir>();
  const keep = new Set<string>();
  for (const p of packages) {
    const image = buildTreeImage(p);
    if (!image) continue;
    const file = join(dir, treeImageFile(p));
    if (!existsSync(file) || !readFileSync(file).equals(image)) writeFileSync(file, image);
    keep.add(treeImageFile(p));
    imaged.add(p);
  }
  for (const file of readdirSync(dir)) if (!keep.has(file)) rmSync(join(dir, file), { force: true, recursive: true });
  return imaged;
}

export function renderBundledModule(
  packages: readonly BundledPackageDir[],
  defaults: Record<string, unknown> = {},
  imaged: ReadonlySet<BundledPackageDir> = new Set(),
): string {
  const lines = [
    '// Generated by `vigil models:index` from models/; do not edit. Rebuilt by npm start, test, typecheck and deploy.',
    "import type { DefaultDeployment } from '../traffic/deployment-service.ts';",
    "import type { BundledPackageSource } from './model-store.ts';",
  ];
  packages.forEach((p, i) => {
    const base = `../../models/${p.name}/${p.version}`;
    lines.push(`import manifest${i} from '${base}/manifest.json';`, `import artifact${i} from '${base}/model.onnx';`);
    if (imaged.has(p)) lines.push(`import trees${i} from './tree-images.gen/${treeImageFile(p)}';`);
  });
  lines.push('', 'export const BUNDLED_MODELS: BundledPackageSource[] = [');
  // validated: checked here with this build's schema and complete, so the Worker need not parse it again.
  packages.forEach((p, i) => {
    const validated = p.complete ? ', validated: true' : '';
    const trees = imaged.has(p) ? `, trees: trees${i}` : '';
    lines.push(`  { manifest: manifest${i}, artifact: artifact${i}${validated}${trees} },`);
  });
  lines.push('];', '');
  lines.push('/** models/deployments.json: the deployment each bundled model starts with. */');
  lines.push(`export const DEFAULT_DEPLOYMENTS: Record<string, DefaultDeployment | null> = ${JSON.stringify(defaults, null, 2)};`, '');
  return lines.join('\n');
}

const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];

/** Copies the Swagger UI files /docs loads into the Worker's static assets (public/swagger-ui/). */
export function stageSwaggerUi(root = REPO_ROOT): void {
  const from = join(root, 'node_modules', 'swagger-ui-dist');
  const to = join(root, 'public', 'swagger-ui');
  mkdirSync(to, { recursive: true });
  for (const file of SWAGGER_UI_FILES) {
    const target = join(to, file);
    const source = readFileSync(join(from, file));
    if (!existsSync(target) || !readFileSync(target).equals(source)) copyFileSync(join(from, file), target);
  }
}

/** Assembles the compiled evaluator's WASM tree walker (cli/lib/tree-walker-wat.ts), rewriting it only when it changed. */
export async function writeTreeWalker(file = TREE_WALKER_WASM): Promise<void> {
  const bytes = Buffer.from(await assembleTreeWalker());
  if (!existsSync(file) || !readFileSync(file).equals(bytes)) writeFileSync(file, bytes);
}

export async function runModelsIndex(_args: string[]): Promise<number> {
  let source: string;
  try {
    const packages = discoverBundledPackages();
    source = renderBundledModule(packages, readDefaultDeployments(packages), writeTreeImages(packages));
    stageSwaggerUi();
    await writeTreeWalker();
  } catch (error) {
    console.error(`vigil models:index: ${(error as Error).message}`);
    return 1;
  }
  const current = existsSync(GENERATED_MODULE) ? readFileSync(GENERATED_MODULE, 'utf8') : '';
  if (current !== source) writeFileSync(GENERATED_MODULE, source);
  return 0;
}
