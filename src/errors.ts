/**
 * Errors the service reports to clients. Every expected failure is a `VigilError` with a code from a closed
 * union and the HTTP status it maps to; the app's error handler renders them as
 * `{"error": {"code", "message", "details"}}`. Anything else is a bug: logged, and answered with a generic 500.
 *
 * @example
 * throw new ModelNotFoundError('california-housing');
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_instance'
  | 'no_instances'
  | 'too_many_instances'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'admin_disabled'
  | 'not_found'
  | 'method_not_allowed'
  | 'model_not_found'
  | 'version_not_found'
  | 'model_unavailable'
  | 'model_error'
  | 'version_not_servable'
  | 'invalid_manifest'
  | 'version_exists'
  | 'version_order'
  | 'qa_failed'
  | 'deployment_conflict'
  | 'no_previous_primary'
  | 'service_unavailable'
  | 'feedback_disabled'
  | 'auth_misconfigured'
  | 'run_in_progress'
  | 'engine_not_proven'
  | 'not_explainable'
  | 'internal_error';

export interface ErrorDetail {
  /** Position of the instance in the request, when the error is about one instance. */
  instance?: number;
  /** The field at fault (feature name, or a dotted path into the request body). */
  field: string;
  code: string;
  message: string;
}

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, status: VigilError['status'], message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'VigilError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/**
 * A VigilError class for one code and the status it always answers with; instances take the message and the
 * details. Every code has its class (here, or below with a constructor of its own where the message is always
 * built from the same subject), so a code and its status are written once.
 */
function coded(code: ErrorCode, status: VigilError['status']) {
  return class extends VigilError {
    constructor(message: string, details: ErrorDetail[] = []) {
      super(code, status, message, details);
    }
  };
}

export class NoInstancesError extends coded('no_instances', 400) {}
export class TooManyInstancesError extends coded('too_many_instances', 400) {}
export class MalformedJsonError extends coded('malformed_json', 400) {}
export class InvalidManifestError extends coded('invalid_manifest', 400) {}
export class UnauthorizedError extends coded('unauthorized', 401) {}
/** A route that does not exist (unknown models and versions have their own codes). */
export class NotFoundError extends coded('not_found', 404) {}
export class DeploymentConflictError extends coded('deployment_conflict', 409) {}
export class EngineNotProvenError extends coded('engine_not_proven', 409) {}
export class NoPreviousPrimaryError extends coded('no_previous_primary', 409) {}
export class RunInProgressError extends coded('run_in_progress', 409) {}
export class VersionExistsError extends coded('version_exists', 409) {}
export class VersionOrderError extends coded('version_order', 409) {}
export class PayloadTooLargeError extends coded('payload_too_large', 413) {}
export class UnsupportedMediaTypeError extends coded('unsupported_media_type', 415) {}
export class NotExplainableError extends coded('not_explainable', 422) {}
/** ADMIN_TOKEN is not configured: admin routes are closed, never open. */
export class AdminDisabledError extends coded('admin_disabled', 503) {}
/** No feedback credential of any kind is configured: feedback is closed, never open. */
export class FeedbackDisabledError extends coded('feedback_disabled', 503) {}
/** A configured token is unusable (shorter than 16 characters): the routes it guards are closed. */
export class AuthMisconfiguredError extends coded('auth_misconfigured', 503) {}

export class InvalidRequestError extends VigilError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('invalid_request', 400, message, details);
  }
}

export class InvalidInstanceError extends VigilError {
  constructor(message: string, details: ErrorDetail[]) {
    super('invalid_instance', 400, message, details);
  }
}

export class ModelNotFoundError extends VigilError {
  /** `known`: the models to list in the message (empty when they cannot be read). */
  constructor(model: string, known: readonly string[] = []) {
    super('model_not_found', 404, `model "${model}" does not exist${known.length ? `; models: ${known.join(', ')}` : ''}`, [
      { field: 'model', code: 'model_not_found', message: `no model named "${model}"` },
    ]);
  }
}

/**
 * The model exists but has no deployment: none of its versions passed QA (`no_deployment`), or it is a bundled model
 * declared undeployed that no operator has promoted yet (`not_deployed`).
 */
export class NoDeploymentError extends VigilError {
  constructor(model: string, why: 'no_deployment' | 'not_deployed' = 'no_deployment') {
    super(
      'model_not_found',
      404,
      why === 'not_deployed'
        ? `model "${model}" is not deployed; promote a version that passed QA to serve it (vigil promote ${model} <version>)`
        : `model "${model}" has no version that passed QA, so no deployment; push one that passes first`,
      [
        why === 'not_deployed'
          ? { field: 'model', code: 'not_deployed', message: `"${model}" is not deployed: promote a version first` }
          : { field: 'model', code: 'no_deployment', message: `no deployable version of "${model}"` },
      ],
    );
  }
}

/** Wording of a version error for the action that met it (a deployment change names the role it refused). */
interface Worded {
  message: string;
  details: ErrorDetail[];
}

export class VersionNotFoundError extends VigilError {
  constructor(model: string, version: string, known: readonly string[] = [], worded?: Worded) {
    super(
      'version_not_found',
      404,
      worded?.message ?? `model "${model}" has no version "${version}"${known.length ? `; versions: ${known.join(', ')}` : ''}`,
      worded?.details ?? [{ field: 'version', code: 'version_not_found', message: `no version "${version}" of "${model}"` }],
    );
  }
}

/** The model exists but cannot serve (its artifact failed verification or did not load). A server fault. */
export class ModelUnavailableError extends VigilError {
  constructor(model: string, version: string, reason: string) {
    super('model_unavailable', 503, `model "${model}" version ${version} is unavailable: ${reason}`);
  }
}

/** The model ran but produced unusable output (wrong size, NaN, Infinity): a fault of the model, not the client. */
export class ModelOutputError extends VigilError {
  constructor(model: string, version: string, reason: string) {
    super('model_error', 500, `model "${model}" version ${version} produced invalid output: ${reason}`);
  }
}

/**
 * The model failed to run (its runtime threw): a fault of the model or its runtime, not the client. Clients get
 * the version; `reason`, the runtime's own message, is for logs and operator-only records (shadow comparisons).
 */
export class ModelRunError extends VigilError {
  readonly reason: string;

  constructor(model: string, version: string, reason: string) {
    super('model_error', 500, `model "${model}" version ${version} failed to run; the error is logged`);
    this.reason = reason;
  }
}

/** The version exists but failed QA, so it never serves. */
export class VersionNotServableError extends VigilError {
  constructor(model: string, version: string, reason?: string, worded?: Worded) {
    super(
      'version_not_servable',
      409,
      worded?.message ?? `version ${version} of "${model}" failed QA and cannot serve${reason ? `: ${reason}` : ''}`,
      worded?.details ?? [{ field: 'version', code: 'version_not_servable', message: reason ?? 'failed QA' }],
    );
  }
}

/**
 * What the request needs is stored in D1 (or R2) and cannot be read now, and this isolate knows nothing it could
 * answer from instead. Answered with 503 and Retry-After.
 */
export class ServiceUnavailableError extends VigilError {
  readonly retryAfterSeconds: number;

  constructor(what: string, cause: unknown, retryAfterSeconds = 10) {
    super('service_unavailable', 503, `${what} cannot be read right now; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
    // The storage error stays in the logs: its text is not for clients.
    console.error(JSON.stringify({ level: 'error', message: 'storage unavailable', what, error: String(cause) }));
  }
}

/** Whether an unexpected error came from D1 (directly, or wrapped by Drizzle as its cause). */
export function isStorageFailure(error: unknown): boolean {
  const messages = [
    error instanceof Error ? error.message : String(error),
    error instanceof Error && error.cause instanceof Error ? error.cause.message : '',
  ];
  return messages.some((m) => /\bD1_[A-Z_]*\b/.test(m));
}
