/**
 * What the benchmark reads from /proc (Linux): process RSS and CPU time, the workerd processes Miniflare
 * spawns, and the machine description.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Resident set size in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface RssParts {
  /** Private memory: heaps, WASM memories, malloc. */
  anonBytes: number;
  /** Mapped files (the workerd binary, libraries). */
  fileBytes: number;
  /** Shared memory, including files on tmpfs that are mapped (e.g. SQLite databases kept on /dev/shm). */
  shmemBytes: number;
}

/** RSS split into anonymous, file-backed and shared memory (Linux 4.5+), summed over `pids`. */
export function rssParts(pids: readonly number[]): RssParts | null {
  let any = false;
  const parts: RssParts = { anonBytes: 0, fileBytes: 0, shmemBytes: 0 };
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
      parts.anonBytes += kb('RssAnon');
      parts.fileBytes += kb('RssFile');
      parts.shmemBytes += kb('RssShmem');
      any = true;
    } catch {
      // gone
    }
  }
  return any ? parts : null;
}

interface StatFields {
  comm: string;
  ppid: number;
  cpuSeconds: number;
}

function readStat(pid: number): StatFields | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    const ppid = Number(rest[1]);
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { comm, ppid, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** User + system CPU seconds the process has used, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  return readStat(pid)?.cpuSeconds ?? null;
}

/** Pids of live processes whose parent is `parent` and whose command name starts with `name`. */
export function childPids(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.ppid === parent && stat.comm.startsWith(name)) pids.push(Number(entry));
  }
  return pids;
}

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  node: string;
}

export function describeMachine(): MachineDescription {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpuModel = match[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return { cpuModel, cores: cpus().length, memoryBytes: totalmem(), kernel: release(), node: process.version };
}

/** CPU seconds all cores of the machine have spent busy since boot (/proc/stat), or null off Linux. */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Samples RSS (bytes) and CPU seconds of a set of processes until stopped. */
export class ResourceSampler {
  readonly #pids: () => readonly number[];
  readonly #timer: NodeJS.Timeout;
  readonly rss: number[] = [];
  readonly #cpuStart: number;
  readonly #busyStart: number | null;
  /** CPU seconds the whole machine spent busy while sampling (set by stop()). */
  machineBusySeconds: number | null = null;

  constructor(pids: () => readonly number[], intervalMs = 500) {
    this.#pids = pids;
    this.#cpuStart = this.cpuNow();
    this.#busyStart = machineBusySeconds();
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  cpuNow(): number {
    let total = 0;
    for (const pid of this.#pids()) total += cpuSeconds(pid) ?? 0;
    return total;
  }

  sample(): void {
    let total = 0;
    let any = false;
    for (const pid of this.#pids()) {
      const rss = rssBytes(pid);
      if (rss !== null) {
        total += rss;
        any = true;
      }
    }
    if (any) this.rss.push(total);
  }

  /** Stops sampling; returns the CPU seconds used since the sampler started. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    const busy = machineBusySeconds();
    this.machineBusySeconds = busy !== null && this.#busyStart !== null ? busy - this.#busyStart : null;
    return this.cpuNow() - this.#cpuStart;
  }
}

/** Total RSS of `pids` now, in bytes (null when none is alive). */
export function totalRss(pids: readonly number[]): number | null {
  let total = 0;
  let any = false;
  for (const pid of pids) {
    const rss = rssBytes(pid);
    if (rss !== null) {
      total += rss;
      any = true;
    }
  }
  return any ? total : null;
}
