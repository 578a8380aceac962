/**
 * A one-line progress display redrawn in place on a terminal (and silent elsewhere, so logs and pipes stay
 * clean). Redraws are throttled; `finish` leaves the last state on its own line.
 *
 * @example
 * const progress = new ProgressLine(io.stderr, io.now);
 * progress.update(`${bar(0.4, 20)} 40 %`);
 * progress.finish();
 */
import type { TextSink } from './io.ts';

/** `[████████░░░░░░░░░░░░]` for a fraction in [0, 1]. */
export function bar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

export class ProgressLine {
  readonly enabled: boolean;
  private readonly sink: TextSink;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private lastDrawMs = -Infinity;
  private pending: string | undefined;
  private drawn = false;

  constructor(sink: TextSink, now: () => number, intervalMs = 100) {
    this.sink = sink;
    this.now = now;
    this.intervalMs = intervalMs;
    this.enabled = sink.isTTY;
  }

  update(text: string, force = false): void {
    if (!this.enabled) return;
    this.pending = text;
    const now = this.now();
    if (!force && now - this.lastDrawMs < this.intervalMs) return;
    this.draw(text);
    this.lastDrawMs = now;
  }

  /** Draws the latest state once more and moves to the next line. */
  finish(): void {
    if (!this.enabled || (!this.drawn && this.pending === undefined)) return;
    if (this.pending !== undefined) this.draw(this.pending);
    this.sink.write('\n');
    this.drawn = false;
    this.pending = undefined;
  }

  /** Removes the line (before printing something else). */
  clear(): void {
    if (this.enabled && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
    this.pending = undefined;
  }

  private draw(text: string): void {
    const max = this.sink.columns ? this.sink.columns - 1 : undefined;
    const line = max !== undefined && text.length > max ? text.slice(0, max) : text;
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
