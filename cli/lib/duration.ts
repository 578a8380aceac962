/**
 * Durations written on the command line: "500ms", "20s", "5m", "1h", "2d", or a bare number of seconds.
 *
 * @example
 * parseDuration('20s') // { ok: true, ms: 20000 }
 * parseDuration('soon') // { ok: false, message: '…' }
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(text: string): DurationResult {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$/.exec(text);
  if (!match) return { ok: false, message: `"${text}" is not a duration; write e.g. 500ms, 20s, 5m, 1h` };
  return { ok: true, ms: Number(match[1]) * UNIT_MS[match[2] ?? 's']! };
}
