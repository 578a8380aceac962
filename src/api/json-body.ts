/**
 * Reads a JSON request body under a size cap, with errors that say what to fix. A large body is scanned before
 * it is parsed (json-scan.ts), so one that holds too many instances (or objects and arrays overall) is refused
 * for it without building them in memory.
 */
import {
  InvalidRequestError,
  MalformedJsonError,
  PayloadTooLargeError,
  TooManyInstancesError,
  UnsupportedMediaTypeError,
  type VigilError,
} from '../errors.ts';
import { MAX_INSTANCES } from '../serving/prediction-service.ts';
import { scanJson } from './json-scan.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Bodies smaller than this cannot hold enough to matter; they are parsed without a scan. */
const SCAN_ABOVE_BYTES = 32 * 1024;
/** Objects and arrays one body may hold (a full V2 request of 1,000 rows of 20 inputs holds about 20,000). */
export const MAX_JSON_CONTAINERS = 50_000;
/** Elements of the top-level arrays the routes cap: prediction instances and feedback items. */
const MAX_LISTED = MAX_INSTANCES;
const LISTED_ARRAYS = { instances: MAX_LISTED, items: MAX_LISTED };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function tooLarge(limit: number): VigilError {
  return new PayloadTooLargeError(`the request body is larger than ${limit} bytes; send fewer instances per request`, [
    { field: 'body', code: 'payload_too_large', message: `at most ${limit} bytes` },
  ]);
}

function isJsonContentType(value: string): boolean {
  if (value === 'application/json') return true;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Parses the body as JSON. A missing Content-Type is accepted; any other non-JSON type is a 415. */
export async function readJsonBody(request: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null && !isJsonContentType(contentType)) {
    throw new UnsupportedMediaTypeError(`Content-Type is "${contentType}"; send the body as JSON with "Content-Type: application/json"`, [
      { field: 'content-type', code: 'unsupported_media_type', message: 'must be application/json' },
    ]);
  }
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);

  let text: string;
  if (declared !== null) {
    text = await request.text();
  } else {
    text = await readCapped(request, limit);
  }
  if (text.length > limit) throw tooLarge(limit);
  if (text.length > SCAN_ABOVE_BYTES) refuseOversized(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') {
      throw new MalformedJsonError('the request body is empty; send a JSON object', [
        { field: 'body', code: 'malformed_json', message: 'empty body' },
      ]);
    }
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    throw new MalformedJsonError(`the request body is not valid JSON: ${reason}`, [
      { field: 'body', code: 'malformed_json', message: reason },
    ]);
  }
}

/** Reads a body of unknown length, stopping as soon as it passes `limit` bytes. */
async function readCapped(request: Request, limit: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MalformedJsonError('the request body is not valid UTF-8', [
      { field: 'body', code: 'malformed_json', message: 'invalid UTF-8' },
    ]);
  }
}

/** Throws before parsing when the text holds more instances, items, or objects and arrays than a request may. */
function refuseOversized(text: string): void {
  const scan = scanJson(text, { arrays: LISTED_ARRAYS, containers: MAX_JSON_CONTAINERS });
  if (scan.exceeded === null) return;
  if (scan.exceeded === 'instances') {
    throw new TooManyInstancesError(`the request has more than ${MAX_LISTED} instances; the limit is ${MAX_LISTED} per request`, [
      { field: 'instances', code: 'too_many_instances', message: `at most ${MAX_LISTED} instances per request` },
    ]);
  }
  if (scan.exceeded === 'containers') {
    throw new InvalidRequestError(`the body holds more than ${MAX_JSON_CONTAINERS} objects and arrays; send fewer values per request`, [
      { field: 'body', code: 'too_many_values', message: `at most ${MAX_JSON_CONTAINERS} objects and arrays` },
    ]);
  }
  throw new InvalidRequestError(`"${scan.exceeded}" has more than ${MAX_LISTED} elements; send at most ${MAX_LISTED} per request`, [
    { field: scan.exceeded, code: 'too_many_items', message: `at most ${MAX_LISTED} elements` },
  ]);
}
