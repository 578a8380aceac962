/**
 * The D1 schema (Drizzle). Migrations in migrations/ are generated from this file by drizzle-kit
 * (`npm run db:generate`); docs/storage.md describes every table, key and R2 object.
 *
 * Times are integer milliseconds since the epoch. JSON columns hold text written by the code that owns them.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Every model version Vigil knows, bundled or pushed, with the result of its QA gate. */
export const modelVersions = sqliteTable(
  'model_versions',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    source: text('source', { enum: ['bundled', 'pushed'] }).notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    /** R2 key of the artifact (`artifacts/<sha256>.onnx`); null for bundled versions. */
    artifactKey: text('artifact_key'),
    manifest: text('manifest').notNull(),
    status: text('status', { enum: ['qa_passed', 'qa_failed'] }).notNull(),
    qaReport: text('qa_report').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version] })],
);

/** The current deployment of each model: primary, optional canary, shadows. `revision` orders changes. */
export const deployments = sqliteTable('deployments', {
  model: text('model').primaryKey(),
  primaryVersion: integer('primary_version').notNull(),
  canaryVersion: integer('canary_version'),
  canaryPercent: real('canary_percent'),
  /** JSON list of {version, sample_rate}. */
  shadows: text('shadows').notNull().default('[]'),
  /** Share of primary traffic logged as samples (canary and shadowed traffic is always logged). */
  sampleRate: real('sample_rate').notNull().default(0.01),
  /**
   * Unused: PII hashes are keyed by the PII_HASH_KEY Worker secret, never by anything stored beside them. Written
   * empty; older databases keep the salts they had.
   */
  piiSalt: text('pii_salt').notNull(),
  revision: integer('revision').notNull(),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
});

/** Audit trail: one row per deployment change, written in the same transaction as the change. */
export const deploymentEvents = sqliteTable(
  'deployment_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    /** The deployment revision this change produced; unique per model, so concurrent writers cannot both win. */
    revision: integer('revision').notNull(),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    /** JSON deployment before the change (null for the first deployment) and after it. */
    before: text('before'),
    after: text('after').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('deployment_events_model_revision').on(t.model, t.revision)],
);

/** Primary vs shadow predictions for the same instance. */
export const shadowComparisons = sqliteTable(
  'shadow_comparisons',
  {
    requestId: text('request_id').notNull(),
    instance: integer('instance').notNull(),
    model: text('model').notNull(),
    primaryVersion: integer('primary_version').notNull(),
    shadowVersion: integer('shadow_version').notNull(),
    primaryPrediction: text('primary_prediction').notNull(),
    /** Null when the shadow failed; `error` says why. */
    shadowPrediction: text('shadow_prediction'),
    /** Regression value, or positive-class probability. */
    primaryScore: real('primary_score').notNull(),
    shadowScore: real('shadow_score'),
    primaryLabel: text('primary_label'),
    shadowLabel: text('shadow_label'),
    /** shadow - primary score, and its absolute value. */
    signedDiff: real('signed_diff'),
    absDiff: real('abs_diff'),
    /** 1 when both classifiers chose the same label (classification only). */
    labelAgree: integer('label_agree'),
    primaryLatencyMs: real('primary_latency_ms').notNull(),
    shadowLatencyMs: real('shadow_latency_ms'),
    error: text('error'),
    /** JSON object of slice attribute values of the instance, e.g. {"sex": "Female"}. */
    slices: text('slices').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.shadowVersion, t.instance] }),
    index('shadow_comparisons_model_time').on(t.model, t.createdAt),
  ],
);

/** Sampled predictions with their (PII-protected) features. */
export const predictionSamples = sqliteTable(
  'prediction_samples',
  {
    requestId: text('request_id').notNull(),
    instance: integer('instance').notNull(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    role: text('role', { enum: ['primary', 'canary', 'shadow', 'pinned'] }).notNull(),
    features: text('features').notNull(),
    prediction: text('prediction').notNull(),
    score: real('score').notNull(),
    label: text('label'),
    latencyMs: real('latency_ms').notNull(),
    slices: text('slices').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.model, t.version, t.instance] }),
    index('prediction_samples_model_time').on(t.model, t.createdAt),
  ],
);

/** Delayed ground truth for a served instance. */
export const feedback = sqliteTable(
  'feedback',
  {
    model: text('model').notNull(),
    requestId: text('request_id').notNull(),
    instance: integer('instance').notNull(),
    /** The true label (classification) or the true value as text (regression). */
    label: text('label').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.requestId, t.instance] }), index('feedback_model_time').on(t.model, t.receivedAt)],
);

/**
 * Telemetry queue messages already applied, so a redelivered message (queues deliver at least once) is
 * not counted twice: the id is inserted in the same transaction as the message's rows.
 */
export const telemetryBatches = sqliteTable('telemetry_batches', {
  id: text('id').primaryKey(),
  appliedAt: integer('applied_at').notNull(),
});

/**
 * Aggregate profile of one feature (or of the predictions, feature `__prediction__`, or of whole instances,
 * `__instances__`) of one model version over one time bucket. Rows are merged additively, so any number
 * of isolates can flush into the same bucket.
 */
export const featureProfiles = sqliteTable(
  'feature_profiles',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    /** Start of the time bucket (ms): one minute for recent data, one hour once rolled up. */
    bucket: integer('bucket').notNull(),
    /** Bucket length in ms (60,000 or 3,600,000). */
    bucketMs: integer('bucket_ms').notNull(),
    feature: text('feature').notNull(),
    count: integer('count').notNull(),
    nulls: integer('nulls').notNull(),
    invalid: integer('invalid').notNull(),
    sum: real('sum').notNull(),
    sumSq: real('sum_sq').notNull(),
    min: real('min'),
    max: real('max'),
  },
  (t) => [primaryKey({ columns: [t.model, t.version, t.bucketMs, t.bucket, t.feature] })],
);

/** Counts per training bin (numeric: bin index as text) or per category of a profile. */
export const profileBins = sqliteTable(
  'profile_bins',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    bucket: integer('bucket').notNull(),
    bucketMs: integer('bucket_ms').notNull(),
    feature: text('feature').notNull(),
    bin: text('bin').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version, t.bucketMs, t.bucket, t.feature, t.bin] })],
);

/** Every health-check result. */
export const healthChecks = sqliteTable(
  'health_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    version: integer('version'),
    check: text('check').notNull(),
    /** What the result is about within the check: a feature, a shadow version, a slice; '' for the model. */
    subject: text('subject').notNull().default(''),
    status: text('status', { enum: ['pass', 'warn', 'fail', 'insufficient_data'] }).notNull(),
    value: real('value'),
    threshold: real('threshold'),
    window: text('window').notNull(),
    details: text('details').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('health_checks_model_check_time').on(t.model, t.check, t.subject, t.createdAt)],
);

/** Last known state of each (model, check, subject), so a change of state alerts once. */
export const checkStates = sqliteTable(
  'check_states',
  {
    model: text('model').notNull(),
    check: text('check').notNull(),
    subject: text('subject').notNull(),
    status: text('status').notNull(),
    since: integer('since').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.check, t.subject] })],
);

/** Alerts for the webhook: one row per notification (which may group several state changes), retried until delivered. */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    /** 'state_change', 'canary_rollback' or 'daily_summary'. */
    kind: text('kind').notNull(),
    /** The JSON body POSTed to ALERT_WEBHOOK_URL. */
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    deliveredAt: integer('delivered_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('alerts_pending').on(t.deliveredAt, t.createdAt)],
);

/**
 * Leases: one row per job that must not run twice at once (the five-minute checks, the daily maintenance). A run
 * takes the lease when it is free or expired, and gives it back when done; a run that dies leaves it to expire.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/**
 * Telemetry counted rather than stored, so nothing is lost silently: `dropped_in_isolates` is the records serving
 * isolates dropped while the queue kept refusing them (reported once the queue takes messages again).
 */
export const telemetryCounters = sqliteTable('telemetry_counters', {
  name: text('name').primaryKey(),
  value: integer('value').notNull().default(0),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Telemetry messages that reached the dead-letter queue, one row per message id: the dead-letter consumer records
 * each when it first sees it, and when it replays it into the tables (or gives up on it after its retries).
 */
export const deadLetters = sqliteTable('dead_letters', {
  id: text('id').primaryKey(),
  records: integer('records').notNull(),
  firstSeenAt: integer('first_seen_at').notNull(),
  replayedAt: integer('replayed_at'),
  droppedAt: integer('dropped_at'),
  lastError: text('last_error'),
});

/** An engine an operator forced for a version (otherwise the QA gate's choice serves), who did it and why. */
export const engineOverrides = sqliteTable(
  'engine_overrides',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    engine: text('engine', { enum: ['onnxruntime', 'compiled'] }).notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version] })],
);
