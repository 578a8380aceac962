/**
 * Formatting of values for human output: numbers, times, sizes, durations.
 */

/** Integers as they are; other numbers with 4 significant digits (at least one decimal above 1000). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1000) return value.toFixed(1);
  if (Math.abs(value) < 1e-4) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A share in [0, 1] as a percentage: 0.1234 → "12.3 %". */
export function formatShare(share: number): string {
  return `${formatPercent(share * 100)} %`;
}

export function formatPercent(percent: number): string {
  return Number.isInteger(percent) ? String(percent) : String(Number(percent.toFixed(percent < 1 ? 2 : 1)));
}

/** A signed relative change: 0.052 → "+5.2 %". */
export function formatRelative(change: number): string {
  if (!Number.isFinite(change)) return change > 0 ? '+∞' : change < 0 ? '-∞' : '—';
  const percent = change * 100;
  const digits = Math.abs(percent) < 10 ? 1 : 0;
  const magnitude = Math.abs(percent).toFixed(digits);
  // A change that rounds to zero gets no sign ("0.0 %", not "-0.0 %").
  if (Number(magnitude) === 0) return `${magnitude} %`;
  return `${percent > 0 ? '+' : '-'}${magnitude} %`;
}

/** An ISO time as "2026-11-27 10:38:12Z" (UTC, to the second). */
export function formatTime(iso: string | number | undefined | null): string {
  if (iso === undefined || iso === null) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** How long ago, coarsely: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string, nowMs: number): string {
  const seconds = Math.round((nowMs - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400 * 2) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Milliseconds as "850 ms", "12.4 s", "3 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export function shortSha(sha256: string | undefined): string {
  return sha256 ? sha256.slice(0, 12) : '—';
}

/** "1 request", "3 requests". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
