/**
 * A multipart/form-data body built in memory, as the chunks to stream and their total length (so the
 * request carries a Content-Length and the progress bar knows the total).
 *
 * @example
 * const body = multipartBody([{ name: 'manifest', filename: 'manifest.json', contentType: 'application/json', data }], 'b0undary');
 * // body.contentType === 'multipart/form-data; boundary=b0undary'
 */
import { randomBytes } from 'node:crypto';

export interface FilePart {
  name: string;
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface MultipartBody {
  contentType: string;
  chunks: Uint8Array[];
  length: number;
}

export function multipartBody(parts: readonly FilePart[], boundary = `vigil-${randomBytes(12).toString('hex')}`): MultipartBody {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    chunks.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; ` +
          `filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n\r\n`,
      ),
      part.data,
      encoder.encode('\r\n'),
    );
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, chunks, length: chunks.reduce((n, c) => n + c.length, 0) };
}
