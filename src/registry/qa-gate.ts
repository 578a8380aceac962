/**
 * The QA gate a model version must pass before it may serve (ML Test Score, infrastructure: "QA before
 * serving"). It loads the model and checks, in order: the ONNX input/output signature against the manifest,
 * encoding parity (the Worker encodes each golden instance exactly as training did), and the golden examples
 * (outputs finite, probabilities a distribution, predictions within tolerance of the manifest's expectations).
 *
 * @example
 * const report = await runQaGate(manifest, await runtime.createSession(bytes));
 * if (report.status === 'qa_failed') console.log(report.checks.filter((c) => !c.passed));
 */
import { compileDecoder, type Prediction } from '../model/decode.ts';
import { compileEncoder } from '../model/encoding.ts';
import type { ModelSession, TensorSignature } from '../inference/model-runtime.ts';
import { compileValidator, FieldErrors, type Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';

export type QaCheckName = 'load' | 'signature' | 'encoding_parity' | 'golden_outputs';

export interface QaCheck {
  name: QaCheckName;
  passed: boolean;
  message: string;
  /** Up to 20 specific failures (e.g. which golden example, expected vs actual). */
  failures?: string[];
}

export interface QaReport {
  status: 'qa_passed' | 'qa_failed';
  checked_at: string;
  golden_examples: number;
  checks: QaCheck[];
}

const MAX_FAILURES = 20;
const PROBABILITY_SUM_TOLERANCE = 1e-4;

/**
 * Explains ONNX Runtime's load and run errors that have a known cause. A ZipMap output (a sequence of maps)
 * shows up as "Invalid tensor data type 0" when the session is created, or, with ORT Web 1.30, only when it is
 * read: "Reading data from non-tensor typed value is not supported".
 */
export function explainLoadError(message: string): string {
  if (/Invalid tensor data type 0|non-tensor typed value|seq\(map|sequence<map|ZipMap/i.test(message)) {
    return `${message}. The classifier outputs a sequence of maps (ZipMap), which ONNX Runtime Web cannot return: export it with ZipMap disabled (skl2onnx: options={id(model): {"zipmap": False}})`;
  }
  return message;
}

/** A report for a model that could not be loaded at all. */
export function loadFailureReport(error: unknown, now: Date): QaReport {
  const message = explainLoadError(error instanceof Error ? error.message : String(error));
  return {
    status: 'qa_failed',
    checked_at: now.toISOString(),
    golden_examples: 0,
    checks: [{ name: 'load', passed: false, message: `the model does not load in ONNX Runtime Web: ${message}` }],
  };
}

export async function runQaGate(manifest: Manifest, session: ModelSession, now = new Date()): Promise<QaReport> {
  const checks: QaCheck[] = [{ name: 'load', passed: true, message: 'the model loads in ONNX Runtime Web' }];
  const encoder = compileEncoder(manifest);
  const decoder = compileDecoder(manifest);

  checks.push(checkSignature(manifest, session, encoder.width, decoder.outputWidth));

  // Encoding parity: golden instances must validate and encode to the rows training produced.
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows: Row[] = [];
  const parityFailures: string[] = [];
  manifest.golden.forEach((g, i) => {
    const row = validator.validate(g.instance, i, errors);
    if (!row) return;
    rows.push(row);
    const encoded = new Float32Array(encoder.width);
    encoder.encodeRow(row, encoded, 0);
    for (let c = 0; c < encoder.width; c++) {
      if (encoded[c] !== Math.fround(g.encoded[c]!)) {
        parityFailures.push(`golden ${i}: column ${c} encodes to ${encoded[c]}, training produced ${g.encoded[c]}`);
        break;
      }
    }
  });
  for (const e of errors.list) parityFailures.unshift(`golden ${e.instance}: ${e.message}`);
  checks.push(
    parityFailures.length === 0
      ? { name: 'encoding_parity', passed: true, message: `all ${manifest.golden.length} golden instances validate and encode exactly as in training` }
      : { name: 'encoding_parity', passed: false, message: `${parityFailures.length} golden instances do not encode as in training`, failures: parityFailures.slice(0, MAX_FAILURES) },
  );

  if (checks.every((c) => c.passed)) checks.push(await checkGoldenOutputs(manifest, session, rows, encoder.encode(rows), encoder.width, decoder));

  return {
    status: checks.every((c) => c.passed) ? 'qa_passed' : 'qa_failed',
    checked_at: now.toISOString(),
    golden_examples: manifest.golden.length,
    checks,
  };
}

function describeDims(t: TensorSignature): string {
  return t.dims ? `[${t.dims.join(', ')}]` : '[?]';
}

function checkSignature(manifest: Manifest, session: ModelSession, width: number, outputWidth: number): QaCheck {
  const problems: string[] = [];
  const inputName = manifest.encoding.input_name;
  const input = session.inputs.find((i) => i.name === inputName);
  if (!input) {
    problems.push(`the model has no input "${inputName}" (it has ${session.inputs.map((i) => i.name).join(', ') || 'none'})`);
  } else {
    if (input.type !== undefined && input.type !== 'float32') problems.push(`input "${inputName}" is ${input.type}, the manifest's encoding produces float32`);
    const last = input.dims?.[input.dims.length - 1];
    if (input.dims && input.dims.length !== 2) problems.push(`input "${inputName}" has shape ${describeDims(input)}, expected [N, ${width}]`);
    else if (typeof last === 'number' && last >= 0 && last !== width) problems.push(`input "${inputName}" takes ${last} columns, the manifest's encoding produces ${width}`);
  }
  if (session.inputs.length > 1) problems.push(`the model has ${session.inputs.length} inputs; Vigil feeds exactly one (${inputName})`);
  const outputName = manifest.output.tensor;
  const output = session.outputs.find((o) => o.name === outputName);
  if (!output) {
    const kinds = session.outputs.map((o) => `${o.name}${o.type ? ` (${o.type})` : ''}`).join(', ');
    problems.push(`the model has no tensor output "${outputName}" (outputs: ${kinds || 'none'}); classifiers must be exported with ZipMap disabled`);
  } else {
    if (output.type !== undefined && output.type !== 'float32' && output.type !== 'float64') problems.push(`output "${outputName}" is ${output.type}, expected float32`);
    const last = output.dims?.[output.dims.length - 1];
    if (typeof last === 'number' && last >= 0 && output.dims!.length === 2 && last !== outputWidth) {
      problems.push(`output "${outputName}" has ${last} columns, expected ${outputWidth} (${manifest.task})`);
    }
  }
  return problems.length === 0
    ? { name: 'signature', passed: true, message: `input "${inputName}" [N, ${width}] float32 and output "${outputName}" match the manifest` }
    : { name: 'signature', passed: false, message: problems[0]!, failures: problems };
}

function withinTolerance(actual: number, expected: number, tolerance: Manifest['golden_tolerance']): boolean {
  return Math.abs(actual - expected) <= tolerance.abs + tolerance.rel * Math.abs(expected);
}

async function checkGoldenOutputs(
  manifest: Manifest,
  session: ModelSession,
  rows: Row[],
  input: Float32Array,
  width: number,
  decoder: ReturnType<typeof compileDecoder>,
): Promise<QaCheck> {
  let output: Float32Array;
  try {
    output = await session.run(manifest.encoding.input_name, input, rows.length, width, manifest.output.tensor);
  } catch (error) {
    return { name: 'golden_outputs', passed: false, message: `running the golden examples failed: ${explainLoadError(error instanceof Error ? error.message : String(error))}` };
  }
  if (output.length !== rows.length * decoder.outputWidth) {
    return { name: 'golden_outputs', passed: false, message: `the model returned ${output.length} values for ${rows.length} examples, expected ${rows.length * decoder.outputWidth}` };
  }
  const failures: string[] = [];
  for (let i = 0; i < output.length; i++) {
    if (!Number.isFinite(output[i]!)) failures.push(`golden ${Math.floor(i / decoder.outputWidth)}: output is ${output[i]}`);
  }
  if (failures.length) return { name: 'golden_outputs', passed: false, message: 'the model produces non-finite outputs', failures: failures.slice(0, MAX_FAILURES) };

  const predictions: Prediction[] = decoder.decode(output, rows.length);
  const { golden_tolerance: tolerance } = manifest;
  predictions.forEach((p, i) => {
    const expected = manifest.golden[i]!.expected;
    if ('value' in expected) {
      const actual = (p as { value: number }).value;
      if (!withinTolerance(actual, expected.value, tolerance)) failures.push(`golden ${i}: predicted ${actual}, expected ${expected.value}`);
      return;
    }
    const probabilities = (p as { probabilities: Record<string, number> }).probabilities;
    const values = Object.values(probabilities);
    const sum = values.reduce((a, b) => a + b, 0);
    if (values.some((v) => v < 0 || v > 1) || Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      failures.push(`golden ${i}: probabilities ${JSON.stringify(probabilities)} are not a distribution (sum ${sum}); per-class sigmoids are not probabilities`);
      return;
    }
    for (const [label, prob] of Object.entries(expected.probabilities)) {
      const actual = probabilities[label];
      if (actual === undefined || !withinTolerance(actual, prob, tolerance)) {
        failures.push(`golden ${i}: P(${label}) is ${actual}, expected ${prob}`);
        return;
      }
    }
  });
  return failures.length === 0
    ? { name: 'golden_outputs', passed: true, message: `all ${rows.length} golden examples within tolerance (abs ${tolerance.abs}, rel ${tolerance.rel})` }
    : { name: 'golden_outputs', passed: false, message: `${failures.length} of ${rows.length} golden examples are outside tolerance`, failures: failures.slice(0, MAX_FAILURES) };
}
