/**
 * Pushed model artifacts, content-addressed by sha256 in R2 (`artifacts/<sha256>.onnx`).
 */
import { ServiceUnavailableError } from '../errors.ts';

export interface ArtifactStore {
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  get(sha256: string): Promise<Uint8Array | null>;
}

export function artifactKey(sha256: string): string {
  return `artifacts/${sha256}.onnx`;
}

export class R2ArtifactStore implements ArtifactStore {
  readonly #bucket: R2Bucket;

  constructor(bucket: R2Bucket) {
    this.#bucket = bucket;
  }

  /** Stores the bytes; R2 failing is a ServiceUnavailableError (503, retry later), not a bug. */
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    try {
      // Content-addressed: an existing object already holds these bytes.
      if (await this.#bucket.head(artifactKey(sha256))) return;
      await this.#bucket.put(artifactKey(sha256), bytes, { sha256, httpMetadata: { contentType: 'application/octet-stream' } });
    } catch (error) {
      throw new ServiceUnavailableError('the artifact store (R2)', error);
    }
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    try {
      const object = await this.#bucket.get(artifactKey(sha256));
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    } catch (error) {
      throw new ServiceUnavailableError('the artifact store (R2)', error);
    }
  }
}
