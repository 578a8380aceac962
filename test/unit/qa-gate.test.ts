import { describe, expect, it } from 'vitest';
import { FakeRuntime, type FakeBehaviour, type FakeRuntimeOptions } from '../../src/inference/fake-runtime.ts';
import { parseManifest, type Manifest, type ManifestInput } from '../../src/model/manifest.ts';
import { explainLoadError, loadFailureReport, runQaGate, type QaReport } from '../../src/registry/qa-gate.ts';
import { manifest as buildManifest } from '../support/manifest-builder.ts';

const NOW = new Date('2026-11-20T12:00:00Z');

// The builder's toy encoding is [x, color=red, color=green]; FakeRuntime 'sum' predicts the row sum.
const regressionGolden: ManifestInput['golden'] = [
  { instance: { x: 2, color: 'green' }, encoded: [2, 0, 1], expected: { value: 3 } },
  { instance: { x: -1.5, color: 'red' }, encoded: [-1.5, 1, 0], expected: { value: -0.5 } },
];

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const classificationGolden: ManifestInput['golden'] = [
  {
    instance: { x: 1, color: 'red' },
    encoded: [1, 1, 0],
    expected: { label: 'yes', probabilities: { no: 1 - sigmoid(2), yes: sigmoid(2) } },
  },
  {
    instance: { x: -4, color: 'green' },
    encoded: [-4, 0, 1],
    expected: { label: 'no', probabilities: { no: 1 - sigmoid(-3), yes: sigmoid(-3) } },
  },
];

function toyManifest(overrides: Partial<ManifestInput> = {}): Manifest {
  const task = overrides.task ?? 'regression';
  const result = parseManifest(buildManifest({ golden: task === 'regression' ? regressionGolden : classificationGolden, ...overrides }));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

async function qa(manifest: Manifest, behaviour: FakeBehaviour, options: Partial<FakeRuntimeOptions> = {}): Promise<QaReport> {
  const session = await new FakeRuntime({ behaviour, ...options }).createSession(new Uint8Array([1]));
  return runQaGate(manifest, session, NOW);
}

function check(report: QaReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} check in ${JSON.stringify(report)}`);
  return found;
}

describe('runQaGate', () => {
  it('passes a regression model whose golden outputs match, reporting every check', async () => {
    const report = await qa(toyManifest(), 'sum');
    expect(report).toMatchObject({ status: 'qa_passed', checked_at: NOW.toISOString(), golden_examples: 2 });
    expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
      ['load', true],
      ['signature', true],
      ['encoding_parity', true],
      ['golden_outputs', true],
    ]);
  });

  it('passes a classifier whose probabilities match the golden examples', async () => {
    const report = await qa(toyManifest({ task: 'binary_classification' }), 'sigmoid');
    expect(report.status).toBe('qa_passed');
  });

  it('fails golden_outputs when a prediction is outside tolerance, naming the example and both values', async () => {
    const golden = structuredClone(regressionGolden);
    golden[1]!.expected = { value: -0.4 };
    const report = await qa(toyManifest({ golden }), 'sum');
    expect(report.status).toBe('qa_failed');
    const outputs = check(report, 'golden_outputs');
    expect(outputs.passed).toBe(false);
    expect(outputs.failures).toEqual(['golden 1: predicted -0.5, expected -0.4']);
  });

  it('accepts a difference within the manifest tolerance', async () => {
    const golden = structuredClone(regressionGolden);
    golden[0]!.expected = { value: 3.05 };
    expect((await qa(toyManifest({ golden }), 'sum')).status).toBe('qa_failed');
    expect((await qa(toyManifest({ golden, golden_tolerance: { abs: 0.1, rel: 0 } }), 'sum')).status).toBe('qa_passed');
  });

  it('fails signature when the model has no input of the manifest input name', async () => {
    const report = await qa(toyManifest(), 'sum', { inputName: 'features' });
    expect(report.status).toBe('qa_failed');
    const signature = check(report, 'signature');
    expect(signature.passed).toBe(false);
    expect(signature.message).toBe('the model has no input "input" (it has features)');
    // Golden outputs are not run against a model that does not fit the manifest.
    expect(report.checks.map((c) => c.name)).not.toContain('golden_outputs');
  });

  it('fails signature when the model has no output of the manifest output tensor, pointing at ZipMap', async () => {
    const report = await qa(toyManifest(), 'sum', { outputName: 'output_label' });
    const signature = check(report, 'signature');
    expect(report.status).toBe('qa_failed');
    expect(signature.passed).toBe(false);
    expect(signature.message).toContain('no tensor output "output"');
    expect(signature.message).toContain('output_label');
    expect(signature.message).toContain('ZipMap disabled');
  });

  it('fails signature when a classifier outputs one column instead of one per label', async () => {
    const report = await qa(toyManifest({ task: 'binary_classification' }), 'sum');
    expect(check(report, 'signature')).toMatchObject({
      passed: false,
      message: 'output "output" has 1 columns, expected 2 (binary_classification)',
    });
  });

  it('fails encoding_parity when a golden example encodes differently from training', async () => {
    const golden = structuredClone(regressionGolden);
    golden[1]!.encoded = [-1.5, 0, 1]; // training one-hot encoded "red" as green
    const report = await qa(toyManifest({ golden }), 'sum');
    expect(report.status).toBe('qa_failed');
    const parity = check(report, 'encoding_parity');
    expect(parity.passed).toBe(false);
    expect(parity.failures).toEqual(['golden 1: column 1 encodes to 1, training produced 0']);
  });

  it('fails encoding_parity when a golden instance does not validate against the manifest', async () => {
    const golden = structuredClone(regressionGolden);
    golden[0]!.instance = { x: 2, color: 'purple' };
    const report = await qa(toyManifest({ golden }), 'sum');
    const parity = check(report, 'encoding_parity');
    expect(parity.passed).toBe(false);
    expect(parity.failures![0]).toMatch(/^golden 0: .*purple/);
  });

  it('fails golden_outputs when the model produces non-finite outputs', async () => {
    const report = await qa(toyManifest(), 'nan');
    expect(report.status).toBe('qa_failed');
    expect(check(report, 'golden_outputs')).toMatchObject({
      passed: false,
      message: 'the model produces non-finite outputs',
      failures: ['golden 0: output is NaN', 'golden 1: output is NaN'],
    });
  });

  it('fails golden_outputs when the classifier probabilities do not sum to 1 (per-class sigmoids)', async () => {
    const report = await qa(toyManifest({ task: 'binary_classification' }), 'per_class_sigmoid');
    expect(report.status).toBe('qa_failed');
    const outputs = check(report, 'golden_outputs');
    expect(outputs.passed).toBe(false);
    expect(outputs.failures).toHaveLength(2);
    expect(outputs.failures![0]).toMatch(/^golden 0: probabilities .* are not a distribution \(sum 1\.38/);
    expect(outputs.failures![0]).toContain('per-class sigmoids are not probabilities');
  });

  it('fails golden_outputs when running the model throws, with the error', async () => {
    const report = await qa(toyManifest(), 'error');
    expect(report.status).toBe('qa_failed');
    expect(check(report, 'golden_outputs')).toMatchObject({
      passed: false,
      message: 'running the golden examples failed: fake model failure',
    });
  });
});

describe('explainLoadError', () => {
  it("explains ONNX Runtime Web's ZipMap load error and how to export without ZipMap", () => {
    const message = explainLoadError("Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: Invalid tensor data type 0.");
    expect(message).toMatch(/^Can't create a session.*Invalid tensor data type 0\./);
    expect(message).toContain('sequence of maps (ZipMap)');
    expect(message).toContain('export it with ZipMap disabled');
    expect(message).toContain('"zipmap": False');
  });

  it('explains the run-time error ONNX Runtime Web 1.30 gives when reading a ZipMap output', () => {
    const message = explainLoadError(
      "Can't access output tensor data on index 0. ERROR_CODE: 9, " +
        'ERROR_MESSAGE: Reading data from non-tensor typed value is not supported.',
    );
    expect(message).toContain('export it with ZipMap disabled');
  });

  it('leaves other load errors as they are', () => {
    expect(explainLoadError('protobuf parsing failed')).toBe('protobuf parsing failed');
  });
});

describe('loadFailureReport', () => {
  it('records a model that does not load as a failed load check with the explained error', () => {
    const report = loadFailureReport(new Error('Invalid tensor data type 0'), NOW);
    expect(report).toMatchObject({ status: 'qa_failed', checked_at: NOW.toISOString(), golden_examples: 0 });
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ name: 'load', passed: false });
    expect(report.checks[0]!.message).toMatch(
      /^the model does not load in ONNX Runtime Web: Invalid tensor data type 0\. .*ZipMap disabled/,
    );
  });
});
