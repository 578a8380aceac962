/**
 * Phase "micro": the hot path's stages one by one in Node (bench/hot-path.ts), over the service's own pure modules,
 * the compiled evaluator and the same ONNX Runtime WASM build, for the primary family.
 */
import { join } from 'node:path';
import { spawnNode, withTimeout } from '../lib/children.ts';
import { modelDir } from '../lib/families.ts';
import type { MicroSummary } from '../lib/hot-path-report.ts';
import type { BenchContext } from './context.ts';

export async function runMicro(ctx: BenchContext): Promise<MicroSummary | null> {
  const family = ctx.families[0]!;
  ctx.log('micro-benchmark of the hot-path stages (Node: same modules, the compiled evaluator and the ORT WASM build)');
  const shadow = family.shadow ?? family.primary;
  const child = spawnNode(join(ctx.root, 'bench', 'hot-path.ts'), [
    modelDir(ctx.root, family, family.primary),
    modelDir(ctx.root, family, shadow),
    String(ctx.options.microBudgetMs),
  ]);
  try {
    const exited = await withTimeout(child.exited, 180_000, 'hot-path micro-benchmark');
    return JSON.parse(exited.stdout.trim().split('\n').pop() ?? 'null') as MicroSummary | null;
  } catch (error) {
    await child.stop();
    ctx.notes.push(`the hot-path micro-benchmark failed: ${String(error).slice(0, 300)}`);
    return null;
  }
}
