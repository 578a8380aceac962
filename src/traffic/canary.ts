/**
 * Canary assignment: a stable hash of the routing key into [0, 100). A key is on the canary when its bucket is
 * below the canary percent, so a caller stays on one version while the percent is unchanged, and raising the
 * percent only moves callers from primary to canary.
 */

const encoder = new TextEncoder();

/** FNV-1a (32 bit) of the key's UTF-8 bytes, mapped to [0, 100). */
export function canaryBucket(routingKey: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(routingKey)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  // Finalize (murmur3 fmix32) so keys that differ only in their last characters spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return ((hash >>> 0) / 0x1_0000_0000) * 100;
}

/** Whether a request goes to the canary; without a routing key the draw is random. */
export function isCanary(percent: number, routingKey: string | undefined, random: () => number = Math.random): boolean {
  const bucket = routingKey === undefined ? random() * 100 : canaryBucket(routingKey);
  return bucket < percent;
}
