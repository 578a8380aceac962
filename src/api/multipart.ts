/**
 * multipart/form-data for model pushes, read with the size cap enforced while the body streams in (with or
 * without Content-Length) and the body held once: parts are views into it, not copies. `Request.formData()`
 * read the whole body first, then copied each file again.
 *
 * @example
 * const parts = await readMultipart(request, 64 * 1024 * 1024);
 * const model = parts.get('model')?.data; // a Uint8Array view of the body
 */
import { InvalidRequestError, PayloadTooLargeError, type VigilError } from '../errors.ts';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array;
}

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const text = new TextDecoder();

function malformed(message: string): VigilError {
  return new InvalidRequestError(`the multipart body could not be read: ${message}`, [
    { field: 'body', code: 'malformed_multipart', message },
  ]);
}

function tooLarge(maxBytes: number): VigilError {
  return new PayloadTooLargeError(`the package is larger than ${maxBytes} bytes`, [
    { field: 'body', code: 'payload_too_large', message: `at most ${maxBytes} bytes` },
  ]);
}

/** Index of `pattern` in `bytes` at or after `from`, or -1. */
function indexOf(bytes: Uint8Array, pattern: Uint8Array, from: number): number {
  const first = pattern[0]!;
  const last = bytes.length - pattern.length;
  for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    let k = 1;
    while (k < pattern.length && bytes[i + k] === pattern[k]) k++;
    if (k === pattern.length) return i;
  }
  return -1;
}

/** The body, read under `maxBytes`: into one buffer of the declared length, or chunk by chunk when undeclared. */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const fixed = declared !== null ? new Uint8Array(Number(declared)) : null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > (fixed ? fixed.length : maxBytes)) {
      await reader.cancel();
      if (fixed) throw malformed(`the body is longer than its Content-Length (${fixed.length})`);
      throw tooLarge(maxBytes);
    }
    if (fixed) fixed.set(value, total);
    else chunks.push(value);
    total += value.byteLength;
  }
  if (fixed) return total === fixed.length ? fixed : fixed.subarray(0, total);
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

export async function readMultipart(request: Request, maxBytes: number): Promise<Map<string, MultipartPart>> {
  const boundaryMatch = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers.get('content-type') ?? '');
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!boundary) throw malformed('the Content-Type has no boundary');
  const body = await readCapped(request, maxBytes);
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const parts = new Map<string, MultipartPart>();
  let at = indexOf(body, delimiter, 0);
  if (at === -1) throw malformed('no part starts with the boundary');
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 45 && body[at + 1] === 45) return parts;
    if (body[at] !== CRLF[0] || body[at + 1] !== CRLF[1]) throw malformed('a boundary is not followed by a line break');
    const headersEnd = indexOf(body, HEADER_END, at + 2);
    if (headersEnd === -1) throw malformed('a part has no end of headers');
    const headers = text.decode(body.subarray(at + 2, headersEnd)).split('\r\n');
    const next = indexOf(body, delimiter, headersEnd + 4);
    if (next === -1) throw malformed('the last part is not closed by the boundary');
    // The part's data ends before the CRLF that precedes the next delimiter.
    const data = body.subarray(headersEnd + 4, next - 2);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw malformed('a part has no name in its Content-Disposition');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = headers
      .find((h) => /^content-type:/i.test(h))
      ?.slice('content-type:'.length)
      .trim();
    if (!parts.has(name))
      parts.set(name, { name, data, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}) });
    at = next;
  }
}
