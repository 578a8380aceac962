/**
 * PII in samples: features the manifest marks `pii: "hash"` are replaced by a keyed hash (HMAC-SHA256 with a key
 * derived from the PII_HASH_KEY Worker secret for each model), so values can still be grouped and joined but not
 * read or looked up in a dictionary — not even a 40-country list — without the secret, which never sits in D1
 * beside the hashes. Without the secret they are left out like `pii: "drop"` features.
 */
import { PromiseCache } from '../lib/promise-cache.ts';
import type { Row } from '../model/instance-validator.ts';
import type { FeatureValue, Manifest } from '../model/manifest.ts';

const encoder = new TextEncoder();
const keys = new PromiseCache<string, CryptoKey>({ capacity: 256 });

function hmacKey(salt: string): Promise<CryptoKey> {
  return keys.get(salt, () => crypto.subtle.importKey('raw', encoder.encode(salt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));
}

/** `h:` + the first 16 bytes of HMAC-SHA256(salt, value), hex. */
export async function hashPii(value: FeatureValue, salt: string): Promise<string | null> {
  if (value === null) return null;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(salt), encoder.encode(String(value)));
  return `h:${[...new Uint8Array(mac).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The features of a row as they may be stored: PII hashed with `key`, or dropped (always without a key). */
export async function protectFeatures(
  manifest: Pick<Manifest, 'features'>,
  row: Row,
  key: string | null,
): Promise<Record<string, FeatureValue>> {
  const out: Record<string, FeatureValue> = {};
  for (let i = 0; i < manifest.features.length; i++) {
    const feature = manifest.features[i]!;
    const value = row[i] ?? null;
    if (feature.pii === 'drop' || (feature.pii === 'hash' && key === null)) continue;
    out[feature.name] = feature.pii === 'hash' ? await hashPii(value, key!) : value;
  }
  return out;
}

/** The PII key of one model: HMAC-SHA256(secret, "vigil-pii:" + model) in hex, so hashes do not join across models. */
export async function modelPiiKey(secret: string, model: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`vigil-pii:${model}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
