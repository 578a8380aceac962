/**
 * Which engine serves a version: the compiled evaluator (src/inference/compiled/) when it supports the graph and
 * proves parity with ONNX Runtime, else ONNX Runtime, which stays the reference. Parity is proven on every golden
 * example plus 1,000 inputs drawn from the training statistics: every output the service reads must agree within
 * the manifest's golden tolerance, labels exactly. Run by the QA gate; the report says what was chosen and why.
 *
 * @example
 * const engine = await chooseEngine(manifest, bytes, ortSession); // { selected: 'compiled', probes: 1024, … }
 */
import { compileOnnx } from '../inference/compiled/index.ts';
import { compileModel, runRows } from '../inference/model-runner.ts';
import type { Engine, ModelSession } from '../inference/model-runtime.ts';
import { compileValidator, FieldErrors, type Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';
import { sampleRows } from '../model/sample-rows.ts';
import type { OutputTensor } from '../model/tensor.ts';

export interface EngineChoice {
  selected: Engine;
  /** Why: what the compiled evaluator proved, or why it may not serve. */
  reason: string;
  /** Inputs both engines ran: the golden examples and the drawn probes. */
  probes: number;
  /** Largest difference seen between the engines' float outputs. */
  max_abs_diff: number | null;
}

/** Inputs drawn from the training statistics, besides the goldens. */
export const PARITY_PROBES = 1000;
const CHUNK = 256;
const PROBE_SEED = 20261202;

export async function chooseEngine(manifest: Manifest, bytes: Uint8Array, reference: ModelSession): Promise<EngineChoice> {
  let compiled: ReturnType<typeof compileOnnx>;
  try {
    compiled = compileOnnx(bytes);
  } catch (error) {
    compiled = { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (!compiled.ok)
    return {
      selected: 'onnxruntime',
      reason: `the compiled evaluator does not support this graph: ${compiled.reason}`,
      probes: 0,
      max_abs_diff: null,
    };
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const goldens = manifest.golden.map((g, i) => validator.validate(g.instance, i, errors)).filter((r): r is Row => r !== null);
  const rows = [...goldens, ...sampleRows(manifest, PARITY_PROBES, PROBE_SEED)];
  const model = compileModel(manifest);
  const { abs, rel } = manifest.golden_tolerance;
  let maxDiff = 0;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    let expected: Record<string, OutputTensor>;
    let actual: Record<string, OutputTensor>;
    try {
      expected = await runRows(reference, model, chunk);
      actual = await runRows(compiled.session, model, chunk);
    } catch (error) {
      return {
        selected: 'onnxruntime',
        reason: `running the parity probes failed: ${error instanceof Error ? error.message : String(error)}`,
        probes: start,
        max_abs_diff: null,
      };
    }
    for (const name of model.decoder.outputNames) {
      const want = expected[name]!.data as ArrayLike<unknown>;
      const got = actual[name]!.data as ArrayLike<unknown>;
      if (want.length !== got.length)
        return refuse(`output "${name}" has ${got.length} values, ONNX Runtime ${want.length}`, start, maxDiff);
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const g = got[i];
        if (typeof w === 'number' && typeof g === 'number') {
          const diff = Math.abs(w - g);
          if (!(diff <= abs + rel * Math.abs(w)) && !(Number.isNaN(w) && Number.isNaN(g))) {
            return refuse(
              `output "${name}" differs on probe ${start + Math.floor(i / (want.length / chunk.length))}: ` +
                `${g} vs ONNX Runtime's ${w} (tolerance abs ${abs}, rel ${rel})`,
              start,
              Math.max(maxDiff, diff),
            );
          }
          if (diff > maxDiff) maxDiff = diff;
        } else if (String(w) !== String(g)) {
          return refuse(
            `output "${name}" differs on probe ${start + Math.floor(i / (want.length / chunk.length))}: ` +
              `${String(g)} vs ONNX Runtime's ${String(w)}`,
            start,
            maxDiff,
          );
        }
      }
    }
  }
  return {
    selected: 'compiled',
    reason:
      `matches ONNX Runtime on ${goldens.length} golden examples and ` +
      `${PARITY_PROBES} inputs drawn from the training statistics (max difference ${maxDiff})`,
    probes: rows.length,
    max_abs_diff: maxDiff,
  };
}

function refuse(reason: string, probes: number, maxDiff: number): EngineChoice {
  return {
    selected: 'onnxruntime',
    reason: `the compiled evaluator does not match ONNX Runtime: ${reason}`,
    probes,
    max_abs_diff: maxDiff,
  };
}
