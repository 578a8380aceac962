/**
 * The alert webhook of the chaos run: a local HTTP server the Worker's ALERT_WEBHOOK_URL points at. It records
 * every POST that arrives (kind and text of the alert) and either answers 200 or, while told to hang, never
 * answers (the Worker's own timeout has to give up on it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { onCleanup } from '../lib/children.ts';

export type WebhookMode = 'ok' | 'hang';

export interface ReceivedAlert {
  /** Milliseconds since the epoch when the POST arrived. */
  at: number;
  mode: WebhookMode;
  kind: string | null;
  text: string | null;
}

export class AlertWebhook {
  mode: WebhookMode = 'ok';
  readonly received: ReceivedAlert[] = [];
  /** POSTs answered with 200. */
  answered = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<ServerResponse>();
  #port = 0;
  #unregister: () => void = () => undefined;

  constructor() {
    this.#server = createServer((request, response) => void this.#handle(request, response));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.#server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    this.#unregister = onCleanup(() => this.close());
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/alerts`;
  }

  /** Alerts received since `since` (ms). */
  since(since: number): ReceivedAlert[] {
    return this.received.filter((a) => a.at >= since);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let kind: string | null = null;
    let text: string | null = null;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind?: string; text?: string };
      kind = body.kind ?? null;
      text = body.text ?? null;
    } catch {
      // not JSON: recorded without kind and text
    }
    const mode = this.mode;
    this.received.push({ at: Date.now(), mode, kind, text });
    if (mode === 'hang') {
      this.#hanging.add(response);
      response.once('close', () => this.#hanging.delete(response));
      return;
    }
    this.answered++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  close(): Promise<void> {
    this.#unregister();
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
