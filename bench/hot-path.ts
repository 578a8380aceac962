/**
 * Micro-benchmark of the hot path's stages in Node, over the service's own pure modules, the compiled evaluator
 * and the same ONNX Runtime WASM build the Worker runs: how many microseconds each stage costs for one request of
 * 1 and of 100 instances, and what compiling the model costs once per version. Run by `npm run bench` as a child
 * process (nothing else runs meanwhile); each stage is measured on its own so a change in one module's API only loses
 * that stage.
 *
 * Usage: node bench/hot-path.ts <model dir> <shadow model dir> <budget ms per stage>  → one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web/wasm';

export interface StageTiming {
  stage: string;
  /** Instances per request the stage ran with. */
  instances: number;
  /** Microseconds per operation (per request), or null when the stage failed. */
  us: number | null;
  /** How the cost applies per request on the full path (e.g. 0.1 for work done for 10 % of requests). */
  note?: string;
  error?: string;
}

const [modelDir, shadowDir, budgetArg] = process.argv.slice(2);
if (!modelDir || !shadowDir) {
  console.error('usage: node bench/hot-path.ts <model dir> <shadow model dir> [budget ms]');
  process.exit(2);
}
const budgetMs = Number(budgetArg ?? 400);

/**
 * Microseconds per call of `op`: after a short warm-up, five rounds of `budgetMs / 5` each; the fastest round
 * counts (other processes on a shared machine only ever make a round slower).
 */
async function time(op: () => unknown): Promise<number> {
  const warmEnd = performance.now() + Math.min(100, budgetMs / 4);
  while (performance.now() < warmEnd) await op();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budgetMs / 5) {
      for (let i = 0; i < 8; i++) await op();
      n += 8;
      now = performance.now();
    }
    best = Math.min(best, ((now - start) * 1000) / n);
  }
  return best;
}

const timings: StageTiming[] = [];
async function stage(name: string, instances: number, op: () => unknown, note?: string): Promise<void> {
  try {
    timings.push({ stage: name, instances, us: await time(op), ...(note ? { note } : {}) });
  } catch (error) {
    timings.push({ stage: name, instances, us: null, error: String(error).slice(0, 300) });
  }
}

// Imported one by one so a module that changed shape only fails its own stages.
async function load<T>(path: string): Promise<T | null> {
  try {
    return (await import(path)) as T;
  } catch (error) {
    timings.push({ stage: `import ${path}`, instances: 0, us: null, error: String(error).slice(0, 300) });
    return null;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: modules under active change are probed defensively
type Any = any;

const manifestModule = await load<Any>('../src/model/manifest.ts');
const validatorModule = await load<Any>('../src/model/instance-validator.ts');
const encodingModule = await load<Any>('../src/model/encoding.ts');
const decodeModule = await load<Any>('../src/model/decode.ts');
const schemasModule = await load<Any>('../src/api/schemas.ts');
const profilesModule = await load<Any>('../src/telemetry/profiles.ts');
const piiModule = await load<Any>('../src/telemetry/pii.ts');
const slicesModule = await load<Any>('../src/telemetry/slices.ts');
const bufferModule = await load<Any>('../src/telemetry/buffer.ts');
const routerModule = await load<Any>('../src/traffic/router.ts');
const deploymentServiceModule = await load<Any>('../src/traffic/deployment-service.ts');
const compiledModule = await load<Any>('../src/inference/compiled/index.ts');

function readManifest(dir: string): Any {
  const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const parsed = manifestModule?.parseManifest?.(raw);
  return parsed?.ok ? parsed.manifest : raw;
}

const manifest = readManifest(modelDir);
const shadowManifest = readManifest(shadowDir);
const golden = (manifest.golden as { instance: Record<string, unknown> }[]).map((g) => g.instance);
const single = JSON.stringify({ instances: [golden[0]] });
const hundred = JSON.stringify({ instances: Array.from({ length: 100 }, (_, i) => golden[i % golden.length]) });

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(modelDir, 'model.onnx'))), sessionOptions);
const shadowSession = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(shadowDir, 'model.onnx'))), sessionOptions);
const modelBytes = new Uint8Array(readFileSync(join(modelDir, 'model.onnx')));
const shadowBytes = new Uint8Array(readFileSync(join(shadowDir, 'model.onnx')));

/** The compiled evaluator's session, or null when it cannot run the model (then ORT serves it). */
function compiledSessionOf(bytes: Uint8Array): Any {
  try {
    const compiled = compiledModule?.compileOnnx(bytes);
    return compiled?.ok ? compiled.session : null;
  } catch {
    return null;
  }
}
const compiledSession = compiledSessionOf(modelBytes);
const compiledShadow = compiledSessionOf(shadowBytes);

async function runCompiled(s: Any, m: Any, data: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const results = await s.run({ [m.encoding.input_name]: { dtype: 'float32', data, dims: [rows, width] } }, [m.output.tensor]);
  return results[m.output.tensor].data as Float32Array;
}

if (compiledModule)
  await stage('compile the model (compiled evaluator; once per version and isolate)', 0, () => compiledModule.compileOnnx(modelBytes));

async function run(s: ort.InferenceSession, m: Any, data: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const results = await s.run({ [m.encoding.input_name]: new ort.Tensor('float32', data, [rows, width]) }, [m.output.tensor]);
  const out = results[m.output.tensor]!;
  const values = out.data as Float32Array;
  out.dispose();
  return values;
}

const validator = validatorModule?.compileValidator(manifest);
const shadowValidator = validatorModule?.compileValidator(shadowManifest);
const encoder = encodingModule?.compileEncoder(manifest);
const shadowEncoder = encodingModule?.compileEncoder(shadowManifest);
const decoder = decodeModule?.compileDecoder(manifest);
const shadowDecoder = decodeModule?.compileDecoder(shadowManifest);

function rowsOf(instances: unknown[], v: Any = validator): Any[] {
  const errors = new validatorModule.FieldErrors();
  const rows = instances.map((instance, i) => v.validate(instance, i, errors));
  if (errors.count > 0) throw new Error(`golden instance rejected: ${errors.list[0].message}`);
  return rows;
}

for (const [body, n] of [
  [single, 1],
  [hundred, 100],
] as const) {
  const parsed = JSON.parse(body) as { instances: unknown[] };
  const rows = rowsOf(parsed.instances);
  const encoded: Float32Array = encoder.encode(rows);
  const output = await run(session, manifest, encoded, n, encoder.width);
  const predictions = decoder.decodeValues(output, n);
  const response = { model: manifest.name, version: manifest.version, request_id: crypto.randomUUID(), predictions };

  await stage('JSON.parse request body', n, () => JSON.parse(body));
  await stage('request schema (zod PredictRequestSchema)', n, () => schemasModule.PredictRequestSchema.safeParse(parsed));
  await stage('validate instances', n, () => rowsOf(parsed.instances));
  await stage('encode to float32', n, () => encoder.encode(rows));
  await stage('ORT run (onnxruntime-web WASM)', n, () => run(session, manifest, encoded, n, encoder.width));
  if (compiledSession)
    await stage('compiled run (the compiled evaluator)', n, () => runCompiled(compiledSession, manifest, encoded, n, encoder.width));
  await stage('decode predictions', n, () => decoder.decodeValues(output, n));
  await stage('JSON.stringify response', n, () => JSON.stringify(response));
  await stage('request id (crypto.randomUUID)', n, () => crypto.randomUUID());

  // After the response: every request updates profiles; sampled and shadowed requests build records.
  const profiles = profilesModule ? new profilesModule.ProfileAccumulator() : null;
  const scores = predictions.map((p: Any) => decoder.score(p));
  const labels = predictions.map(() => null);
  const profiler = profilesModule?.compileProfiler(manifest);
  let observed = 0;
  await stage('profiles.observe (every request)', n, () => {
    profiles.observe(manifest.name, manifest.version, profiler, rows, scores, labels, Date.now());
    if (++observed % 5000 === 0) profiles.drain();
  });
  await stage('profiles.drain (per flush, not per request)', n, () => {
    profiles.observe(manifest.name, manifest.version, profiler, rows, scores, labels, Date.now());
    return profiles.drain();
  });
  const slicer = slicesModule?.compileSlicer(manifest);
  await stage('sample records: PII + slices (sampled requests)', n, async () => {
    for (const row of rows) {
      await piiModule.protectFeatures(manifest, row, 'salt');
      slicer(row);
    }
  });
  await stage(`shadow: validate + encode + ${compiledShadow ? 'compiled run' : 'ORT'} + decode (shadowed requests)`, n, async () => {
    const shadowRows = rowsOf(parsed.instances, shadowValidator);
    const shadowEncoded = shadowEncoder.encode(shadowRows);
    const out = compiledShadow
      ? await runCompiled(compiledShadow, shadowManifest, shadowEncoded, n, shadowEncoder.width)
      : await run(shadowSession, shadowManifest, shadowEncoded, n, shadowEncoder.width);
    const shadowPredictions = shadowDecoder.decodeValues(out, n);
    return predictions.map((p: Any, i: number) => shadowDecoder.score(shadowPredictions[i]) - decoder.score(p));
  });
  const record = {
    kind: 'sample',
    request_id: crypto.randomUUID(),
    instance: 0,
    model: manifest.name,
    version: manifest.version,
    role: 'primary',
    features: golden[0],
    prediction: predictions[0],
    score: scores[0],
    label: null,
    latency_ms: 0.42,
    slices: slicer ? slicer(rows[0]) : {},
    created_at: Date.now(),
  };
  const records = Array.from({ length: n }, () => record);
  await stage('pack telemetry records into messages (per record × n)', n, () => bufferModule.packMessages(records, 100_000, () => 'id'));
}

// Routing: deployment lookup from the isolate cache and the shadow draw.
try {
  const deployment = {
    model: manifest.name,
    primary: manifest.version,
    canary: null,
    shadows: [{ version: shadowManifest.version, sample_rate: 0.1 }],
    sample_rate: 0.01,
    revision: 1,
    updated_at: '',
    updated_by: 'bench',
  };
  const store = {
    get: async () => deployment,
    piiSalt: async () => 'salt',
    events: async () => [],
    event: async () => null,
    primaryHistory: async () => [],
    commit: async () => true,
  };
  const registry = { exists: async () => 'yes', ensureRegistered: async () => undefined };
  const deployments = new deploymentServiceModule.DeploymentService({ store, registry, defaults: {}, cacheSeconds: 10 });
  const router = new routerModule.DeploymentRouter(deployments, {
    models: async () => [],
    versions: async () => [],
    get: async () => null,
  });
  await stage('route: deployment cache + canary/shadow draw', 1, () => router.route(manifest.name, undefined, () => undefined));
} catch (error) {
  timings.push({ stage: 'route: deployment cache + canary/shadow draw', instances: 1, us: null, error: String(error).slice(0, 300) });
}

process.stdout.write(
  `${JSON.stringify({
    model: `${manifest.name}@${manifest.version}`,
    shadow: `${shadowManifest.name}@${shadowManifest.version}`,
    budgetMs,
    timings,
  })}\n`,
);
process.exit(0);
