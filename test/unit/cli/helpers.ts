/**
 * Test doubles for the CLI tests: a real node:http server that records requests and answers through a
 * handler, and a CliIo that captures output.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CliIo } from '../../../cli/lib/io.ts';

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let json: unknown;
    try {
      json = body.length ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
    requests.push(recorded);
    try {
      await handler(recorded, res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function vigilError(res: ServerResponse, status: number, code: string, message: string, details: unknown[] = []): void {
  sendJson(res, status, { error: { code, message, details } });
}

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** A CliIo with captured output, no environment and a .dev.vars that does not exist unless given. */
export function captureIo(overrides: Partial<CliIo> = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    env: {},
    devVarsPath: join('/nonexistent', '.dev.vars'),
    defaultActor: 'tester@test-host',
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt: () => () => {},
    ...overrides,
    out: () => out,
    err: () => err,
  };
}

/** Common flags pointing a command at the test server with a token. */
export function at(server: TestServer, token = 'secret-token'): string[] {
  return ['--url', server.url, '--token', token];
}
