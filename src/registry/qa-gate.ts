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
import { compileModel, runRows, type CompiledModel } from '../inference/model-runner.ts';
import type { ModelSession, TensorSignature } from '../inference/model-runtime.ts';
import { OutputDecodeError, type Prediction } from '../model/decode.ts';
import { compileValidator, FieldErrors, type Row } from '../model/instance-validator.ts';
import { columnsWidth, modelInputs, type EncodedValue, type GoldenExample, type Manifest, type ModelInput } from '../model/manifest.ts';
import type { OutputTensor } from '../model/tensor.ts';
import type { EngineChoice } from './engine-choice.ts';

export type QaCheckName = 'load' | 'signature' | 'encoding_parity' | 'golden_outputs' | 'conversion_parity';

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
  /** The engine the version serves on and why (versions that passed QA since the compiled evaluator exists). */
  engine?: EngineChoice;
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
    return (
      `${message}. The classifier outputs a sequence of maps (ZipMap), which ONNX Runtime Web cannot return: package it with ` +
      `\`vigil package\`, which removes the ZipMap, or export it with ZipMap disabled (skl2onnx: options={id(model): {"zipmap": False}})`
    );
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
  const model = compileModel(manifest);
  checks.push(checkSignature(manifest, session, model));

  // Encoding parity: golden instances must validate and encode to the tensors packaging produced.
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows: Row[] = [];
  const parityFailures: string[] = [];
  manifest.golden.forEach((g, i) => {
    const row = validator.validate(g.instance, i, errors);
    if (!row) return;
    rows.push(row);
    const mismatch = encodingMismatch(model.encoder.inputs, goldenEncoded(manifest, g), model.encoder.encodeExample(row));
    if (mismatch) parityFailures.push(`golden ${i}: ${mismatch}`);
  });
  for (const e of errors.list) parityFailures.unshift(`golden ${e.instance}: ${e.message}`);
  checks.push(
    parityFailures.length === 0
      ? {
          name: 'encoding_parity',
          passed: true,
          message: `all ${manifest.golden.length} golden instances validate and encode exactly as in training`,
        }
      : {
          name: 'encoding_parity',
          passed: false,
          message: `${parityFailures.length} golden instances do not encode as in training`,
          failures: parityFailures.slice(0, MAX_FAILURES),
        },
  );

  if (checks.every((c) => c.passed)) checks.push(await checkGoldenOutputs(manifest, session, rows, model));
  if (manifest.origin?.conversion_parity) checks.push(checkConversionParity(manifest.origin.conversion_parity));

  return {
    status: checks.every((c) => c.passed) ? 'qa_passed' : 'qa_failed',
    checked_at: now.toISOString(),
    golden_examples: manifest.golden.length,
    checks,
  };
}

/** A golden example's encoded rows by input name (a Vigil-trained manifest stores its one float row as a list). */
function goldenEncoded(manifest: Manifest, g: GoldenExample): Record<string, readonly EncodedValue[]> {
  if (!Array.isArray(g.encoded)) return g.encoded;
  return { [modelInputs(manifest.encoding)[0]!.name]: g.encoded };
}

/** Where the serving encoding of a row differs from the recorded one, or null. Float32 values compare as float32. */
function encodingMismatch(
  inputs: readonly ModelInput[],
  recorded: Record<string, readonly EncodedValue[]>,
  actual: Record<string, EncodedValue[]>,
): string | null {
  for (const input of inputs) {
    const want = recorded[input.name] ?? [];
    const got = actual[input.name]!;
    for (let c = 0; c < got.length; c++) {
      const w = want[c];
      const expected =
        input.dtype === 'float32' && typeof w === 'number'
          ? Math.fround(w)
          : input.dtype === 'bool' && typeof w === 'boolean'
            ? Number(w)
            : w;
      if (got[c] !== expected) {
        const where = inputs.length === 1 ? `column ${c}` : `input "${input.name}" column ${c}`;
        return `${where} encodes to ${JSON.stringify(got[c])}, training produced ${JSON.stringify(w)}`;
      }
    }
  }
  return null;
}

function describeDims(t: TensorSignature): string {
  return t.dims ? `[${t.dims.join(', ')}]` : '[?]';
}

const LABEL_TYPES = new Set(['int64', 'int32', 'string']);

function checkSignature(manifest: Manifest, session: ModelSession, model: CompiledModel): QaCheck {
  const problems: string[] = [];
  const inputs = modelInputs(manifest.encoding);
  const batchSize = 'inputs' in manifest.encoding ? manifest.encoding.batch_size : undefined;
  for (const spec of inputs) {
    const width = columnsWidth(spec.columns);
    const input = session.inputs.find((i) => i.name === spec.name);
    if (!input) {
      problems.push(`the model has no input "${spec.name}" (it has ${session.inputs.map((i) => i.name).join(', ') || 'none'})`);
      continue;
    }
    const shape = spec.rank === 1 ? '[N]' : `[N, ${width}]`;
    if (input.type !== undefined && input.type !== spec.dtype)
      problems.push(`input "${spec.name}" is ${input.type}, the manifest's encoding produces ${spec.dtype}`);
    if (input.dims && input.dims.length !== spec.rank) {
      problems.push(`input "${spec.name}" has shape ${describeDims(input)}, expected ${shape}`);
      continue;
    }
    const last = input.dims?.[input.dims.length - 1];
    if (spec.rank === 2 && typeof last === 'number' && last >= 0 && last !== width)
      problems.push(`input "${spec.name}" takes ${last} columns, the manifest's encoding produces ${width}`);
    const batch = input.dims?.[0];
    if (typeof batch === 'number' && batch > 0 && batch !== batchSize) {
      problems.push(`input "${spec.name}" has a fixed batch size of ${batch}; the manifest must say encoding.batch_size ${batch}`);
    }
  }
  const fed = new Set(inputs.map((i) => i.name));
  const unfed = session.inputs.filter((i) => !fed.has(i.name));
  if (unfed.length > 0)
    problems.push(
      `the model has ${session.inputs.length} inputs; Vigil feeds ${[...fed].join(', ')}, not ${unfed.map((i) => i.name).join(', ')}`,
    );

  const outputName = manifest.output.tensor;
  const output = session.outputs.find((o) => o.name === outputName);
  if (!output) {
    const kinds = session.outputs.map((o) => `${o.name}${o.type ? ` (${o.type})` : ' (not a tensor)'}`).join(', ');
    problems.push(
      `the model has no tensor output "${outputName}" (outputs: ${kinds || 'none'}); ` +
        `classifiers must be exported with ZipMap disabled or packaged with \`vigil package\``,
    );
  } else {
    if (output.type !== undefined && output.type !== 'float32' && output.type !== 'float64')
      problems.push(`output "${outputName}" is ${output.type}, expected float32`);
    const last = output.dims?.[output.dims.length - 1];
    if (typeof last === 'number' && last >= 0 && output.dims!.length === 2 && last !== model.decoder.outputWidth) {
      problems.push(`output "${outputName}" has ${last} columns, expected ${model.decoder.outputWidth} (${manifest.task})`);
    }
  }
  const labelName = manifest.output.label_tensor;
  if (labelName) {
    const label = session.outputs.find((o) => o.name === labelName);
    if (!label) problems.push(`the model has no label output "${labelName}"`);
    else if (label.type !== undefined && !LABEL_TYPES.has(label.type))
      problems.push(`label output "${labelName}" is ${label.type}, expected int64 or string`);
  }
  if (problems.length > 0) return { name: 'signature', passed: false, message: problems[0]!, failures: problems };
  const described =
    inputs.length === 1
      ? `input "${inputs[0]!.name}" ${inputs[0]!.rank === 1 ? '[N]' : `[N, ${columnsWidth(inputs[0]!.columns)}]`} ${inputs[0]!.dtype}`
      : `${inputs.length} inputs (${inputs.map((i) => `${i.name} ${i.dtype}`).join(', ')})`;
  return {
    name: 'signature',
    passed: true,
    message: `${described} and output "${outputName}"${labelName ? ` with labels "${labelName}"` : ''} match the manifest`,
  };
}

function withinTolerance(actual: number, expected: number, tolerance: Manifest['golden_tolerance']): boolean {
  return Math.abs(actual - expected) <= tolerance.abs + tolerance.rel * Math.abs(expected);
}

async function checkGoldenOutputs(manifest: Manifest, session: ModelSession, rows: Row[], model: CompiledModel): Promise<QaCheck> {
  let outputs: Record<string, OutputTensor>;
  try {
    outputs = await runRows(session, model, rows);
  } catch (error) {
    return {
      name: 'golden_outputs',
      passed: false,
      message: `running the golden examples failed: ${explainLoadError(error instanceof Error ? error.message : String(error))}`,
    };
  }
  const { decoder } = model;
  const output = outputs[manifest.output.tensor]?.data as ArrayLike<number> | undefined;
  if (!output || output.length !== rows.length * decoder.outputWidth) {
    return {
      name: 'golden_outputs',
      passed: false,
      message:
        `the model returned ${output?.length ?? 0} values for ` + `${rows.length} examples, expected ${rows.length * decoder.outputWidth}`,
    };
  }
  const failures: string[] = [];
  for (let i = 0; i < output.length; i++) {
    if (!Number.isFinite(output[i]!)) failures.push(`golden ${Math.floor(i / decoder.outputWidth)}: output is ${output[i]}`);
  }
  if (failures.length)
    return {
      name: 'golden_outputs',
      passed: false,
      message: 'the model produces non-finite outputs',
      failures: failures.slice(0, MAX_FAILURES),
    };

  let predictions: Prediction[];
  try {
    predictions = decoder.decode(outputs, rows.length);
  } catch (error) {
    if (!(error instanceof OutputDecodeError)) throw error;
    return { name: 'golden_outputs', passed: false, message: `the golden outputs cannot be read: ${error.message}` };
  }
  const { golden_tolerance: tolerance } = manifest;
  predictions.forEach((p, i) => {
    const expected = manifest.golden[i]!.expected;
    if ('value' in expected) {
      const actual = (p as { value: number }).value;
      if (!withinTolerance(actual, expected.value, tolerance))
        failures.push(`golden ${i}: predicted ${actual}, expected ${expected.value}`);
      return;
    }
    const { label, probabilities } = p as { label: string; probabilities: Record<string, number> };
    const values = Object.values(probabilities);
    const sum = values.reduce((a, b) => a + b, 0);
    if (values.some((v) => v < 0 || v > 1) || Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      failures.push(
        `golden ${i}: probabilities ${JSON.stringify(probabilities)} are not ` +
          `a distribution (sum ${sum}); per-class sigmoids are not probabilities`,
      );
      return;
    }
    for (const [l, prob] of Object.entries(expected.probabilities)) {
      const actual = probabilities[l];
      if (actual === undefined || !withinTolerance(actual, prob, tolerance)) {
        failures.push(`golden ${i}: P(${l}) is ${actual}, expected ${prob}`);
        return;
      }
    }
    if (manifest.output.label_tensor && label !== expected.label)
      failures.push(`golden ${i}: the model predicts label ${JSON.stringify(label)}, expected ${JSON.stringify(expected.label)}`);
  });
  return failures.length === 0
    ? {
        name: 'golden_outputs',
        passed: true,
        message: `all ${rows.length} golden examples within tolerance (abs ${tolerance.abs}, rel ${tolerance.rel})`,
      }
    : {
        name: 'golden_outputs',
        passed: false,
        message: `${failures.length} of ${rows.length} golden examples are outside tolerance`,
        failures: failures.slice(0, MAX_FAILURES),
      };
}

/**
 * The ONNX model against the framework it was converted from, as measured by `vigil package` on the packaged
 * rows (the Worker has no data to re-run it on): float32 vs float64 discrepancies surface before it serves.
 */
function checkConversionParity(p: NonNullable<NonNullable<Manifest['origin']>['conversion_parity']>): QaCheck {
  const measured: string[] = [];
  const reasons: string[] = [];
  if (p.max_abs_diff !== null) {
    measured.push(`max |onnx - reference| ${formatNumber(p.max_abs_diff)}`);
    if ((p.max_tolerance_ratio ?? 0) > 1)
      reasons.push(
        `the largest difference is ${formatNumber(p.max_tolerance_ratio!)}× ` +
          `the tolerance (abs ${p.tolerance.abs}, rel ${p.tolerance.rel})`,
      );
  }
  if (p.label_mismatch_rate !== null) {
    measured.push(`${p.label_mismatches} of ${p.rows} labels differ`);
    if (p.label_mismatch_rate > p.tolerance.label_mismatch_rate) {
      reasons.push(
        `${formatNumber(p.label_mismatch_rate * 100)} % of labels differ; at ` +
          `most ${formatNumber(p.tolerance.label_mismatch_rate * 100)} % may`,
      );
    }
  }
  const summary = `against "${p.reference_column}" on ${p.rows} rows (${measured.join('; ')})`;
  if (reasons.length === 0)
    return { name: 'conversion_parity', passed: true, message: `the ONNX model matches the source framework ${summary}` };
  const worst = p.worst.map((w) => `line ${w.line}: onnx ${JSON.stringify(w.onnx)}, reference ${JSON.stringify(w.reference)}`);
  return {
    name: 'conversion_parity',
    passed: false,
    message: `the ONNX model disagrees with the source framework ${summary}: ${reasons.join('; ')}`,
    failures: [...reasons, ...worst].slice(0, MAX_FAILURES),
  };
}

function formatNumber(n: number): string {
  return Number(n.toPrecision(3)).toString();
}
