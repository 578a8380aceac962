/** Fixture JSON in the shapes the admin API returns (src/api/admin.ts). */
import type { Deployment, DeploymentEvent, VersionRecord, VersionSummary } from '../../../cli/lib/api-types.ts';

export const deployment: Deployment = {
  model: 'california-housing',
  primary: '1',
  canary: { version: '3', percent: 10 },
  shadows: [{ version: '2', sample_rate: 1 }],
  sample_rate: 0.01,
  revision: 4,
  updated_at: '2026-11-27T10:00:00.000Z',
  updated_by: 'ana@laptop',
};

export const versions: VersionSummary[] = [
  {
    model: 'california-housing',
    version: '1',
    source: 'bundled',
    status: 'qa_passed',
    sha256: 'a'.repeat(64),
    bytes: 1000,
    engine: 'compiled',
    engine_reason: 'matches ONNX Runtime',
    created_at: '2026-11-20T09:00:00.000Z',
    created_by: 'vigil:bundled',
  },
  {
    model: 'california-housing',
    version: '2',
    source: 'bundled',
    status: 'qa_passed',
    sha256: 'b'.repeat(64),
    bytes: 2000,
    engine: 'onnxruntime',
    engine_reason: 'forced by ana: investigating',
    engine_override: { engine: 'onnxruntime', actor: 'ana', reason: 'investigating', at: '2026-11-27T09:00:00.000Z' },
    created_at: '2026-11-20T09:00:01.000Z',
    created_by: 'vigil:bundled',
  },
  {
    model: 'california-housing',
    version: '3',
    source: 'pushed',
    status: 'qa_passed',
    sha256: 'c'.repeat(64),
    bytes: 3000,
    engine: 'onnxruntime',
    engine_reason: 'the compiled evaluator does not support this graph',
    created_at: '2026-11-26T12:00:00.000Z',
    created_by: 'ana@laptop',
  },
  {
    model: 'california-housing',
    version: '4',
    source: 'pushed',
    status: 'qa_failed',
    sha256: 'd'.repeat(64),
    bytes: 3000,
    qa_failure: 'golden_outputs: 3 of 24 golden examples are off',
    engine: 'onnxruntime',
    engine_reason: 'the version failed QA',
    created_at: '2026-11-27T08:00:00.000Z',
    created_by: 'bo@ci',
  },
];

export const events: DeploymentEvent[] = [
  {
    id: 12,
    model: 'california-housing',
    revision: 4,
    action: 'canary',
    actor: 'ana@laptop',
    reason: 'try the retrained model',
    before: { ...deployment, canary: null, revision: 3 },
    after: deployment,
    created_at: '2026-11-27T10:00:00.000Z',
  },
  {
    id: 11,
    model: 'california-housing',
    revision: 3,
    action: 'promote',
    actor: 'bo@ci',
    reason: null,
    before: { ...deployment, primary: '2', canary: null, revision: 2 },
    after: { ...deployment, canary: null, revision: 3 },
    created_at: '2026-11-26T10:00:00.000Z',
  },
  {
    id: 10,
    model: 'california-housing',
    revision: 1,
    action: 'bootstrap',
    actor: 'vigil:bootstrap',
    reason: null,
    before: null,
    after: { ...deployment, primary: '2', canary: null, revision: 1 },
    created_at: '2026-11-20T09:00:02.000Z',
  },
];

export function versionRecord(overrides: Partial<VersionRecord> = {}): VersionRecord {
  return {
    ...versions[2]!,
    task: 'regression',
    stage: 'production',
    qa_report: {
      status: 'qa_passed',
      checked_at: '2026-11-26T12:00:00.000Z',
      golden_examples: 24,
      checks: [
        { name: 'load', passed: true, message: 'the model loads' },
        { name: 'signature', passed: true, message: 'inputs and outputs match the manifest' },
        { name: 'encoding_parity', passed: true, message: '24 golden instances encode as in training' },
        { name: 'golden_outputs', passed: true, message: '24 golden examples within tolerance' },
      ],
    },
    offline_metrics: { primary: 'mae', higher_is_better: false, overall: { mae: 2, rmse: 2.5, r2: 0.8 } },
    manifest: { name: 'california-housing', version: '3', task: 'regression', output: {} },
    ...overrides,
  };
}
