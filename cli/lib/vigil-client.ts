/**
 * HTTP client of a Vigil server. JSON requests go through fetch; a push streams its multipart body through
 * node:http(s) so the progress bar counts bytes actually handed to the socket. Error responses become
 * `ApiError`s carrying the server's message and details; an unreachable server a `ConnectionError`.
 *
 * @example
 * const client = new VigilClient(resolveConnection(flags, io));
 * const deployment = await client.admin<Deployment>('GET', '/admin/models/california-housing/deployment');
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError, ConnectionError, type ApiErrorDetail } from './cli-error.ts';
import { requireToken, type Connection } from './connection.ts';
import type { MultipartBody } from './multipart.ts';

export interface HttpResult {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON (null when empty). */
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the admin token and the actor. */
  admin?: boolean;
}

export class VigilClient {
  readonly connection: Connection;

  constructor(connection: Connection) {
    this.connection = connection;
  }

  /** Any request; the status is the caller's to judge. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders(options.admin ?? false), ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.connection.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw new ConnectionError(this.connection.url, networkCause(error));
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new ConnectionError(this.connection.url, networkCause(error));
    }
    return { status: response.status, headers: response.headers, body: parseBody(text) };
  }

  /** A JSON request that must succeed (2xx); otherwise an ApiError with the server's message. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const result = await this.send(method, path, options);
    if (result.status < 200 || result.status > 299) throw apiError(result.status, result.body);
    return result.body as T;
  }

  /** An admin request (token and actor attached) that must succeed. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.json<T>(method, path, { admin: true, ...(body !== undefined ? { body } : {}) });
  }

  /** Streams a multipart body, reporting bytes sent; the status is the caller's to judge. */
  upload(
    method: string,
    path: string,
    multipart: MultipartBody,
    onProgress: (sentBytes: number, totalBytes: number) => void = () => {},
  ): Promise<HttpResult> {
    const url = new URL(`${this.connection.url}${path}`);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = {
      ...this.authHeaders(true),
      accept: 'application/json',
      'content-type': multipart.contentType,
      'content-length': String(multipart.length),
    };
    return new Promise<HttpResult>((resolve, reject) => {
      let answered = false;
      const req = request(url, { method, headers }, (res) => {
        answered = true;
        readResponse(res).then(resolve, (error: unknown) => reject(new ConnectionError(this.connection.url, networkCause(error))));
      });
      req.on('error', (error) => {
        // A server may answer (e.g. 413) and close before the body is sent; that answer stands.
        if (!answered) reject(new ConnectionError(this.connection.url, networkCause(error)));
      });
      void writeChunks(req, multipart, onProgress, () => answered);
    });
  }

  private authHeaders(admin: boolean): Record<string, string> {
    if (!admin) return {};
    return { authorization: `Bearer ${requireToken(this.connection)}`, 'x-vigil-actor': this.connection.actor };
  }
}

const UPLOAD_CHUNK_BYTES = 64 * 1024;

async function writeChunks(
  req: ReturnType<typeof httpRequest>,
  multipart: MultipartBody,
  onProgress: (sent: number, total: number) => void,
  answered: () => boolean,
): Promise<void> {
  let sent = 0;
  onProgress(0, multipart.length);
  for (const part of multipart.chunks) {
    for (let offset = 0; offset < part.length; offset += UPLOAD_CHUNK_BYTES) {
      if (answered() || req.destroyed) return;
      const chunk = part.subarray(offset, offset + UPLOAD_CHUNK_BYTES);
      const flushed = req.write(chunk, () => {
        sent += chunk.length;
        onProgress(sent, multipart.length);
      });
      if (!flushed)
        await new Promise<void>((resolve) => {
          req.once('drain', resolve);
          req.once('close', resolve);
        });
    }
  }
  req.end();
}

async function readResponse(res: IncomingMessage): Promise<HttpResult> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { status: res.statusCode ?? 0, headers, body: parseBody(Buffer.concat(chunks).toString('utf8')) };
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The error a response body describes: Vigil's `{"error": {code, message, details}}`, the OIP V2 form
 * `{"error": "message"}`, or whatever text came back (a proxy's HTML page, say).
 */
export function apiError(status: number, body: unknown): ApiError {
  const error = isObject(body) ? body.error : undefined;
  if (isObject(error) && typeof error.message === 'string') {
    const details = Array.isArray(error.details)
      ? error.details.filter((d): d is ApiErrorDetail => isObject(d) && typeof d.message === 'string')
      : [];
    return new ApiError(status, withHint(status, error.message), typeof error.code === 'string' ? error.code : undefined, details, body);
  }
  if (typeof error === 'string') {
    // OIP V2 routes: {"error": "message"}, Vigil adds code and details beside it.
    const details =
      isObject(body) && Array.isArray(body.details)
        ? body.details.filter((d): d is ApiErrorDetail => isObject(d) && typeof d.message === 'string')
        : [];
    return new ApiError(
      status,
      withHint(status, error),
      isObject(body) && typeof body.code === 'string' ? body.code : undefined,
      details,
      body,
    );
  }
  const text =
    body === null || body === undefined
      ? ''
      : typeof body === 'string'
        ? body.replace(/\s+/g, ' ').trim().slice(0, 200)
        : JSON.stringify(body).slice(0, 200);
  return new ApiError(status, withHint(status, `HTTP ${status}${text ? `: ${text}` : ''}`), undefined, [], body);
}

function withHint(status: number, message: string): string {
  return status === 401 ? `${message} (check --token or VIGIL_ADMIN_TOKEN)` : message;
}

/** The short reason a request never got an answer: ECONNREFUSED, ENOTFOUND, … */
export function networkCause(error: unknown): string {
  let cause: unknown = error;
  // fetch wraps the socket error ("fetch failed"); localhost may give one error per address tried.
  while (isObject(cause) && !('code' in cause && typeof cause.code === 'string') && ('cause' in cause || 'errors' in cause)) {
    cause = 'cause' in cause && cause.cause !== undefined ? cause.cause : Array.isArray(cause.errors) ? cause.errors[0] : undefined;
  }
  if (isObject(cause) && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
