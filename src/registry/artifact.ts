/**
 * Artifact integrity: model bytes are identified and verified by their sha256.
 */

/** Lowercase hex sha256 of `bytes`. */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  const hex: string[] = [];
  for (const b of new Uint8Array(digest)) hex.push(b.toString(16).padStart(2, '0'));
  return hex.join('');
}

export class ArtifactIntegrityError extends Error {
  constructor(expected: string, actual: string) {
    super(`artifact sha256 is ${actual}, the manifest says ${expected}`);
    this.name = 'ArtifactIntegrityError';
  }
}

/** Returns the bytes when their sha256 is `expected`; throws ArtifactIntegrityError otherwise. */
export async function verifyArtifact(bytes: Uint8Array, expected: string): Promise<Uint8Array> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) throw new ArtifactIntegrityError(expected, actual);
  return bytes;
}
