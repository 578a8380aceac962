/**
 * Times single-row runs of the committed models on ONNX Runtime Web (its WASM build, in Node) and on the
 * compiled evaluator, cycling through 256 different encoded rows so tree walks are not replayed from the branch
 * predictor. Not a test (timings never are); run by hand and copy the numbers into README.md:
 *
 *   node test/unit/compiled/single-row-bench.ts [runs] [model/version …]
 *   ENGINE=compiled node test/unit/compiled/single-row-bench.ts   (one engine per process: ORT's WASM heap
 *                                                                  slows the JavaScript that runs beside it)
 *   COLD_CACHE_MB=48 ENGINE=compiled node test/unit/compiled/single-row-bench.ts 2000
 *       (writes that many MB between runs, untimed, so each run starts with the model's arrays out of the CPU's
 *       caches — 4 MB leaves them in L3, 48 MB in memory — as a serving isolate's runs between requests do)
 *   BATCH_ROWS=100 WALKER=javascript ENGINE=compiled node test/unit/compiled/single-row-bench.ts 3000
 *       (runs of 100 rows each; tree ensembles walk such batches in the bundled WASM walker, as the Worker does,
 *       unless WALKER=javascript)
 */
import { readFileSync } from 'node:fs';
import { NodeOrtRuntime } from '../../../cli/lib/ort-node-runtime.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { useTreeWalker } from '../../../src/inference/compiled/ops/tree-walker.ts';
import type { ModelSession } from '../../../src/inference/model-runtime.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import { compileModel } from '../../../src/inference/model-runner.ts';
import type { Tensor } from '../../../src/model/tensor.ts';

const runs = Number(process.argv[2] ?? 100_000);
const batchRows = Number(process.env.BATCH_ROWS ?? 1);
if (process.env.WALKER !== 'javascript') {
  useTreeWalker(new WebAssembly.Module(readFileSync(new URL('../../../src/inference/compiled/tree-walker.gen.wasm', import.meta.url))));
}
const ids =
  process.argv.length > 3
    ? process.argv.slice(3)
    : ['california-housing/1', 'california-housing/2', 'adult-income/1', 'adult-income/2', 'titanic/1'];
const ROWS = 256;

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

function instances(manifest: Manifest): unknown[] {
  const random = seeded(42);
  return Array.from({ length: ROWS }, () =>
    Object.fromEntries(
      manifest.features.map((f) => {
        if (f.type === 'category') return [f.name, f.categories![Math.floor(random() * f.categories!.length)]];
        if (f.type === 'boolean') return [f.name, random() < 0.5];
        const t = f.training as { min?: number; max?: number };
        const v = (t.min ?? 0) + random() * ((t.max ?? 1) - (t.min ?? 0));
        return [f.name, f.type === 'integer' ? Math.round(v) : v];
      }),
    ),
  );
}

const coldCacheMb = Number(process.env.COLD_CACHE_MB ?? 0);
const thrash = new Float64Array((coldCacheMb * 1024 * 1024) / 8);

async function microsecondsPerRun(
  session: ModelSession,
  feeds: readonly Record<string, Tensor>[],
  names: readonly string[],
): Promise<number> {
  for (let i = 0; i < 5000; i++) await session.run(feeds[i % ROWS]!, names);
  if (coldCacheMb > 0) {
    let timed = 0;
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < thrash.length; j += 8) thrash[j]! += 1; // one write per 64-byte line
      const start = performance.now();
      await session.run(feeds[i % ROWS]!, names);
      timed += performance.now() - start;
    }
    return (timed * 1000) / runs;
  }
  const start = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds[i % ROWS]!, names);
  return ((performance.now() - start) * 1000) / runs;
}

for (const id of ids) {
  const parsed = parseManifest(JSON.parse(readFileSync(new URL(`../../../models/${id}/manifest.json`, import.meta.url), 'utf8')));
  if (!parsed.ok) throw new Error(`${id}: invalid manifest`);
  const manifest = parsed.manifest;
  const bytes = readFileSync(new URL(`../../../models/${id}/model.onnx`, import.meta.url));
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows = instances(manifest).map((instance, i) => validator.validate(instance, i, errors) as Row);
  const encoder = compileModel(manifest).encoder;
  const feeds = rows.map((_, i) => encoder.encode(Array.from({ length: batchRows }, (_, j) => rows[(i + j) % ROWS]!)));
  const compiled = compileOnnx(bytes);
  if (!compiled.ok) throw new Error(`${id}: ${compiled.reason}`);
  const ort = await new NodeOrtRuntime().createSession(bytes);
  const names = ort.outputs.map((o) => o.name);
  const engine = process.env.ENGINE;
  const ortUs = engine === 'compiled' ? Number.NaN : await microsecondsPerRun(ort, feeds, names);
  const compiledUs = engine === 'ort' ? Number.NaN : await microsecondsPerRun(compiled.session, feeds, names);
  console.log(
    `${id.padEnd(22)} onnxruntime-web ${ortUs.toFixed(2).padStart(6)} µs/run   compiled ` +
      `${compiledUs.toFixed(2).padStart(6)} µs/run   ×${(ortUs / compiledUs).toFixed(1)}`,
  );
  await ort.release();
}
