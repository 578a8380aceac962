/**
 * Reads a JSON request body under a size cap, with errors that say what to fix.
 */
import { VigilError } from '../errors.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function tooLarge(limit: number): VigilError {
  return new VigilError('payload_too_large', 413, `the request body is larger than ${limit} bytes; send fewer instances per request`, [
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
    throw new VigilError('unsupported_media_type', 415, `Content-Type is "${contentType}"; send the body as JSON with "Content-Type: application/json"`, [
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
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') {
      throw new VigilError('malformed_json', 400, 'the request body is empty; send a JSON object', [{ field: 'body', code: 'malformed_json', message: 'empty body' }]);
    }
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    throw new VigilError('malformed_json', 400, `the request body is not valid JSON: ${reason}`, [
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
    throw new VigilError('malformed_json', 400, 'the request body is not valid UTF-8', [{ field: 'body', code: 'malformed_json', message: 'invalid UTF-8' }]);
  }
}
