/**
 * Expected failures of a command, each with the exit code it ends with: 1 when the server refused or the
 * work failed, 2 for a usage mistake. `runCommand` prints them as one line (plus details); anything else is
 * a bug and keeps its stack trace.
 */

export type ExitCode = 0 | 1 | 2;

export class CliError extends Error {
  readonly exitCode: 1 | 2;
  /** Extra lines printed under the message (e.g. the server's error details). */
  readonly details: string[];

  constructor(message: string, exitCode: 1 | 2 = 1, details: string[] = []) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.details = details;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** One entry of a Vigil error response's `details`. */
export interface ApiErrorDetail {
  field?: string;
  code?: string;
  message: string;
  instance?: number;
}

/** The server answered with an error status. */
export class ApiError extends CliError {
  readonly status: number;
  readonly code: string | undefined;
  readonly apiDetails: ApiErrorDetail[];
  /** The parsed response body, for callers that need more than the message (e.g. a QA report). */
  readonly body: unknown;

  constructor(status: number, message: string, code: string | undefined, details: ApiErrorDetail[], body: unknown) {
    super(message, 1, formatDetails(message, details));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.apiDetails = details;
    this.body = body;
  }
}

/** The server could not be reached at all. */
export class ConnectionError extends CliError {
  constructor(url: string, cause: string) {
    super(`cannot reach Vigil at ${url} (${cause}): is \`npm start\` running?`);
    this.name = 'ConnectionError';
  }
}

function formatDetails(message: string, details: readonly ApiErrorDetail[]): string[] {
  const lines: string[] = [];
  for (const d of details) {
    // A detail that only repeats the message adds nothing.
    if (d.message === message || (details.length === 1 && message.endsWith(d.message))) continue;
    const where = [d.instance !== undefined ? `instance ${d.instance}` : '', d.field ?? ''].filter(Boolean).join(' ');
    lines.push(`  - ${where ? `${where}: ` : ''}${d.message}`);
  }
  return lines;
}
