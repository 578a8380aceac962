/**
 * Per-isolate telemetry buffer: records collect in memory and leave as queue messages, many records per
 * message, when the buffer is big enough or old enough. Runs only after responses (in waitUntil); a failed
 * send keeps the records for the next flush, up to a cap, and never reaches a client.
 *
 * Workers tie I/O to the request that started it, so a flush never continues another request's promise: a
 * flush asked for while one is running is folded into the running one, which loops until the buffer is empty
 * inside its own request's waitUntil.
 */
import type { Background } from '../serving/observer.ts';
import { encodeMessage } from './message-format.ts';
import type { TelemetryMessage, TelemetryRecord } from './records.ts';

export interface TelemetryBufferOptions {
  /** Send as soon as this many records are waiting. */
  maxRecords: number;
  /**
   * Records packed and sent at a time: packing (every record's JSON) and the send's serialization run on the
   * isolate's thread, so a flush of many records is cut into sends of this many, each awaited before the next
   * is packed, and requests are served in between.
   */
  sendRecords: number;
  /** Send records at the latest this long after the first one arrived (kept under waitUntil's 30 s). */
  flushMs: number;
  /** Serialized size limit of one message (Queues accept 128 KB). */
  maxMessageBytes: number;
  /**
   * Records kept waiting while sends fail or are slow (a send in flight holds its own); the oldest beyond it are
   * dropped and counted.
   */
  maxPendingRecords: number;
  /**
   * The same bound in bytes of JSON (estimated for waiting records, exact for failed messages): records of a
   * model with many features, or many classes, are larger, and an isolate has 128 MB.
   */
  maxPendingBytes: number;
}

export const DEFAULT_BUFFER_OPTIONS: TelemetryBufferOptions = {
  maxRecords: 500,
  sendRecords: 100,
  flushMs: 5000,
  maxMessageBytes: 100_000,
  maxPendingRecords: 20_000,
  maxPendingBytes: 16_000_000,
};

export type MessageSender = (messages: TelemetryMessage[]) => Promise<void>;

/** waitUntil work is cut off 30 s after a response; state older than this belongs to a request that is gone. */
const STALE_AFTER_MS = 30_000;

/**
 * About the size of `value` as JSON, without building it: each string's length, 8 for a number, and the keys and
 * punctuation. What maxPendingBytes counts for records still waiting (their JSON is built when they are packed).
 */
export function estimatedJsonBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 8;
  let bytes = 2;
  if (Array.isArray(value)) for (const v of value) bytes += estimatedJsonBytes(v) + 1;
  else for (const key in value) bytes += key.length + 4 + estimatedJsonBytes((value as Record<string, unknown>)[key]);
  return bytes;
}

export interface SerializedMessage {
  /** The message as sent: JSON in the table form (message-format.ts), each record's row built once. */
  json: string;
  bytes: number;
}

const serializedMessages = new WeakMap<TelemetryMessage, SerializedMessage>();

/** The JSON of a message packed by packMessages (encoded on demand for any other message). */
export function serializedMessage(message: TelemetryMessage): SerializedMessage {
  let serialized = serializedMessages.get(message);
  if (!serialized) {
    serialized = encodeMessage(message);
    serializedMessages.set(message, serialized);
  }
  return serialized;
}

/**
 * Splits records into messages no larger than `maxBytes` serialized (UTF-8, in the table form of
 * message-format.ts), in order. The records are encoded together, and only a message over the limit — records
 * far larger than usual; the buffer packs sendRecords at a time — is encoded again as two halves. A record alone
 * in a message is sent even when it is larger (the queue then refuses it).
 */
export function packMessages(records: readonly TelemetryRecord[], maxBytes: number, newId: () => string): TelemetryMessage[] {
  if (records.length === 0) return [];
  const message: TelemetryMessage = { id: newId(), records: [...records] };
  const serialized = encodeMessage(message);
  if (serialized.bytes <= maxBytes || records.length === 1) {
    serializedMessages.set(message, serialized);
    return [message];
  }
  const half = Math.ceil(records.length / 2);
  return [...packMessages(records.slice(0, half), maxBytes, newId), ...packMessages(records.slice(half), maxBytes, newId)];
}

export class TelemetryBuffer {
  readonly #send: MessageSender;
  readonly #options: TelemetryBufferOptions;
  readonly #sources: (() => TelemetryRecord[])[] = [];
  #records: TelemetryRecord[] = [];
  /** estimatedJsonBytes of each of #records, and their sum. */
  #recordBytes: number[] = [];
  #waitingBytes = 0;
  /** Messages whose send failed; resent with the same ids, so a partly delivered send is not counted twice. */
  #unsent: TelemetryMessage[] = [];
  /** Records in #unsent, and the bytes of their messages. */
  #unsentRecords = 0;
  #unsentBytes = 0;
  /** When the pending flush timer was set (0: none). */
  #timerAt = 0;
  /** When the running flush started (0: none), and whether more was asked for meanwhile. */
  #flushingAt = 0;
  #again = false;
  /** Records dropped because sends kept failing and the buffer was full. */
  dropped = 0;
  /** Dropped records not yet reported to the consumer (a `dropped` record rides along with the next send). */
  #droppedUnreported = 0;
  sendFailures = 0;

  constructor(send: MessageSender, options: Partial<TelemetryBufferOptions> = {}) {
    this.#send = send;
    this.#options = { ...DEFAULT_BUFFER_OPTIONS, ...options };
  }

  /** Adds a source drained at every flush (e.g. the profile accumulator). */
  addSource(drain: () => TelemetryRecord[]): void {
    this.#sources.push(drain);
  }

  get pending(): number {
    return this.#records.length + this.#unsentRecords;
  }

  /** The bytes of what waits (see maxPendingBytes). */
  get pendingBytes(): number {
    return this.#waitingBytes + this.#unsentBytes;
  }

  /** Adds records and makes sure a flush will happen: now when the buffer is full, else after flushMs. */
  add(records: readonly TelemetryRecord[], background: Background): void {
    for (const r of records) {
      const bytes = estimatedJsonBytes(r);
      this.#records.push(r);
      this.#recordBytes.push(bytes);
      this.#waitingBytes += bytes;
    }
    this.#shedIfFull();
    this.schedule(background);
  }

  #shedIfFull(): void {
    if (this.pending > this.#options.maxPendingRecords || this.pendingBytes > this.#options.maxPendingBytes) this.#shed();
  }

  /**
   * While a send is slow (records keep arriving behind it) or failing, drops the oldest waiting records (unsent
   * messages first, whole) down to 90 % of maxPendingRecords and of maxPendingBytes, so the array is cut once per
   * many requests rather than at every one, and counts them.
   */
  #shed(): void {
    const records = Math.floor(this.#options.maxPendingRecords * 0.9);
    const bytes = Math.floor(this.#options.maxPendingBytes * 0.9);
    const over = () => this.pending > records || this.pendingBytes > bytes;
    while (over() && this.#unsent.length > 0) this.#dropMessage(this.#takeMessage());
    let excess = 0;
    const waiting = this.#records.length;
    while (excess < waiting && (this.#unsentRecords + waiting - excess > records || this.pendingBytes > bytes))
      this.#waitingBytes -= this.#recordBytes[excess++]!;
    if (excess === 0) return;
    this.#records.splice(0, excess);
    this.#recordBytes.splice(0, excess);
    this.dropped += excess;
    this.#droppedUnreported += excess;
  }

  /** Takes the oldest failed message out of #unsent. */
  #takeMessage(): TelemetryMessage {
    const oldest = this.#unsent.shift()!;
    this.#unsentRecords -= oldest.records.length;
    this.#unsentBytes -= serializedMessage(oldest).bytes;
    return oldest;
  }

  /** Keeps messages whose send failed, at the end of #unsent (or ahead of it with `first`). */
  #keep(messages: readonly TelemetryMessage[], first = false): void {
    this.#unsent = first ? [...messages, ...this.#unsent] : [...this.#unsent, ...messages];
    for (const m of messages) {
      this.#unsentRecords += m.records.length;
      this.#unsentBytes += serializedMessage(m).bytes;
    }
  }

  /** Counts a message's records as dropped (the caller has removed it from #unsent). */
  #dropMessage(message: TelemetryMessage): void {
    for (const r of message.records) {
      // A dropped-count record that is itself dropped carries its count over to the next report.
      const n = r.kind === 'dropped' ? r.records : 1;
      this.dropped += r.kind === 'dropped' ? 0 : 1;
      this.#droppedUnreported += n;
    }
  }

  /** Ensures a flush is scheduled (sources may hold data even when no records were added). */
  schedule(background: Background): void {
    if (this.#records.length >= this.#options.maxRecords || this.#options.flushMs <= 0) {
      background(this.flush());
      return;
    }
    const now = Date.now();
    // A timer whose request was torn down never fires; after a grace period a new one replaces it.
    if (this.#timerAt !== 0 && now - this.#timerAt < this.#options.flushMs + STALE_AFTER_MS) return;
    this.#timerAt = now;
    background(
      new Promise<void>((resolve) => setTimeout(resolve, this.#options.flushMs)).then(() => {
        this.#timerAt = 0;
        return this.flush();
      }),
    );
  }

  /** Sends everything buffered. Failures are logged and the records kept for the next flush. */
  async flush(): Promise<void> {
    const now = Date.now();
    if (this.#flushingAt !== 0 && now - this.#flushingAt < STALE_AFTER_MS) {
      this.#again = true;
      return;
    }
    this.#flushingAt = now;
    try {
      do {
        this.#again = false;
        await this.#flushNow();
      } while (this.#again);
    } finally {
      this.#flushingAt = 0;
    }
  }

  /**
   * Sends what waits when it starts, at most sendRecords records a send: failed messages first, then the sources'
   * records and the waiting ones, oldest first, packed one chunk at a time. Packing is synchronous (each record's
   * JSON), so a flush — or a backlog built while a send was slow, up to maxPendingRecords — is never packed in one
   * go: the isolate serves requests while each chunk is on its way. Records stay in the buffer, counted and
   * sheddable, until their chunk is packed. A failed send keeps its messages for the next flush, ahead of what
   * still waits.
   */
  async #flushNow(): Promise<void> {
    let drained: TelemetryRecord[] = [];
    for (const drain of this.#sources) for (const r of drain()) drained.push(r);
    // Only what waits now: records that arrive while the chunks are on their way wait for the next flush
    // (maxRecords or flushMs), as they would have before, instead of leaving in small sends one after another.
    let budget = this.#records.length;
    for (;;) {
      let messages: TelemetryMessage[];
      if (this.#unsent.length > 0) messages = this.#takeUnsent();
      else {
        const records = drained;
        drained = [];
        const room = Math.min(this.#options.sendRecords - records.length, budget);
        if (room > 0) {
          const taken = this.#records.splice(0, room);
          for (const bytes of this.#recordBytes.splice(0, room)) this.#waitingBytes -= bytes;
          budget -= taken.length;
          for (const r of taken) records.push(r);
        }
        if (this.#droppedUnreported > 0) {
          records.push({ kind: 'dropped', records: this.#droppedUnreported, at: Date.now() });
          this.#droppedUnreported = 0;
        }
        if (records.length === 0) return;
        messages = packMessages(records, this.#options.maxMessageBytes, () => crypto.randomUUID());
      }
      try {
        await this.#send(messages);
      } catch (error) {
        this.sendFailures++;
        const count = messages.reduce((n, m) => n + m.records.length, 0);
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'telemetry send failed; kept for the next flush',
            records: count,
            error: String(error),
          }),
        );
        this.#keep(messages, true);
        if (drained.length > 0) this.#keep(packMessages(drained, this.#options.maxMessageBytes, () => crypto.randomUUID()));
        this.#shedIfFull();
        return;
      }
    }
  }

  /** The oldest failed messages, whole, up to sendRecords records (at least one message). */
  #takeUnsent(): TelemetryMessage[] {
    const taken: TelemetryMessage[] = [];
    let records = 0;
    while (this.#unsent.length > 0) {
      const size = this.#unsent[0]!.records.length;
      if (taken.length > 0 && records + size > this.#options.sendRecords) break;
      taken.push(this.#takeMessage());
      records += size;
    }
    return taken;
  }
}
