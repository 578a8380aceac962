/**
 * Where a CPU-profile sample belongs on the hot path: maps the original source file (from the bundle's
 * source map) or V8's pseudo-frames to the stages the issue names. Pure; unit-tested.
 */

export type HotPathCategory =
  | 'model (compiled evaluator)'
  | 'ORT (WASM)'
  | 'ORT (JS wrapper)'
  | 'HTTP framework (Hono, middleware, routes)'
  | 'request schema (zod)'
  | 'body read + JSON.parse'
  | 'validation'
  | 'encoding'
  | 'decode'
  | 'prediction service'
  | 'routing + deployment lookup'
  | 'telemetry + profiles (after response)'
  | 'shadow runs (after response)'
  | 'D1 / queue clients'
  | 'telemetry consumer (queue → D1)'
  | 'other Vigil code'
  | 'other libraries'
  | 'workerd built-ins (JS)'
  | 'garbage collection'
  | 'runtime (native, not JS)'
  | 'idle';

const TREE_WALKER_FUNCTION = /^\$?(sum|leaves)_rows_u(8|16|32)$/;

/** Categorizes one profile node by its function name, script URL and original source (if mapped). */
export function categorize(functionName: string, url: string, source: string | null): HotPathCategory {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)' || functionName === '(root)') return 'runtime (native, not JS)';
  // Vigil's own WebAssembly, the tree walker, carries its function names (cli/lib/tree-walker-wat.ts).
  if (TREE_WALKER_FUNCTION.test(functionName)) return 'model (compiled evaluator)';
  if (url.startsWith('wasm://') || /^wasm-function\[/.test(functionName) || /^\$/.test(functionName)) return 'ORT (WASM)';
  const path = (source ?? url).replace(/\\/g, '/');
  if (path === '') return 'runtime (native, not JS)';
  if (path.startsWith('builtin:')) return 'workerd built-ins (JS)';
  if (path.includes('node_modules/')) {
    const lib = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // onnxruntime-common's and drizzle-orm's own source maps name their files lib/… and src/….
    if (lib.startsWith('onnxruntime-') || lib.startsWith('common/')) return 'ORT (JS wrapper)';
    if (lib.startsWith('zod') || lib.startsWith('@hono/zod-openapi') || lib.startsWith('@asteasolutions/')) return 'request schema (zod)';
    if (lib.startsWith('hono/')) return 'HTTP framework (Hono, middleware, routes)';
    if (lib.startsWith('drizzle-orm') || lib.startsWith('src/')) return 'D1 / queue clients';
    return 'other libraries';
  }
  if (path.includes('src/inference/compiled/') || path.includes('src/inference/model-runner')) return 'model (compiled evaluator)';
  if (path.includes('src/inference/ort-') || path.includes('src/inference/session-cache')) return 'ORT (JS wrapper)';
  if (path.includes('src/api/schema')) return 'request schema (zod)';
  if (path.includes('src/api/json-body')) return 'body read + JSON.parse';
  if (
    path.includes('src/api/') ||
    path.endsWith('src/app.ts') ||
    path.endsWith('src/index.ts') ||
    path.endsWith('src/worker.ts') ||
    path.endsWith('src/services.ts')
  )
    return 'HTTP framework (Hono, middleware, routes)';
  if (path.includes('src/model/instance-validator')) return 'validation';
  if (path.includes('src/model/encoding')) return 'encoding';
  if (path.includes('src/model/decode')) return 'decode';
  if (path.includes('src/serving/shadow-runner')) return 'shadow runs (after response)';
  if (path.includes('src/serving/')) return 'prediction service';
  if (path.includes('src/traffic/') || path.includes('src/registry/')) return 'routing + deployment lookup';
  if (path.includes('src/telemetry/consumer')) return 'telemetry consumer (queue → D1)';
  if (path.includes('src/telemetry/') || path.includes('src/monitoring/')) return 'telemetry + profiles (after response)';
  if (path.includes('src/db/')) return 'D1 / queue clients';
  if (path.includes('src/')) return 'other Vigil code';
  return 'other libraries';
}
