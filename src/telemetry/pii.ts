/**
 * PII in samples: features the manifest marks `pii: "hash"` are replaced by a keyed hash (HMAC-SHA256 with the
 * deployment's salt, so values can still be grouped and joined but not read or looked up in a dictionary
 * without the salt); `pii: "drop"` features are left out.
 */
import type { Row } from '../model/instance-validator.ts';
import type { FeatureValue, Manifest } from '../model/manifest.ts';

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(salt: string): Promise<CryptoKey> {
  let key = keys.get(salt);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(salt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(salt, key);
  }
  return key;
}

/** `h:` + the first 16 bytes of HMAC-SHA256(salt, value), hex. */
export async function hashPii(value: FeatureValue, salt: string): Promise<string | null> {
  if (value === null) return null;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(salt), encoder.encode(String(value)));
  return `h:${[...new Uint8Array(mac).slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The features of a row as they may be stored: PII hashed or dropped. */
export async function protectFeatures(manifest: Pick<Manifest, 'features'>, row: Row, salt: string): Promise<Record<string, FeatureValue>> {
  const out: Record<string, FeatureValue> = {};
  for (let i = 0; i < manifest.features.length; i++) {
    const feature = manifest.features[i]!;
    const value = row[i] ?? null;
    if (feature.pii === 'drop') continue;
    out[feature.name] = feature.pii === 'hash' ? await hashPii(value, salt) : value;
  }
  return out;
}
