/**
 * A numeric Worker variable (wrangler.toml [vars] are strings): its value when it is a finite number, else the
 * fallback.
 *
 * @example
 * const ttl = numberVar(env.DEPLOYMENT_CACHE_SECONDS, 10);
 */
export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? n : fallback;
}
