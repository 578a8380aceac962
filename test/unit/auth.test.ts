import { describe, expect, it } from 'vitest';
import { bearerToken, timingSafeEqualString } from '../../src/api/auth.ts';

describe('timingSafeEqualString', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqualString('secret-token', 'secret-token')).toBe(true);
    expect(timingSafeEqualString('secret-tokem', 'secret-token')).toBe(false);
    expect(timingSafeEqualString('secret', 'secret-token')).toBe(false);
    expect(timingSafeEqualString('secret-token-longer', 'secret-token')).toBe(false);
    expect(timingSafeEqualString('', 'secret-token')).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of an Authorization: Bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
