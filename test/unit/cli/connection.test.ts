import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/lib/cli-error.ts';
import { requireToken, resolveConnection } from '../../../cli/lib/connection.ts';
import { devVar } from '../../../cli/lib/dev-vars.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
const devVarsPath = join(dir, '.dev.vars');
writeFileSync(devVarsPath, '# local secrets\nADMIN_TOKEN=from-dev-vars\n# PREDICT_TOKENS=k\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const io = (env: Record<string, string> = {}) => ({ env, devVarsPath, defaultActor: 'ana@laptop' });

describe('resolveConnection', () => {
  it('defaults to http://localhost:8787 and the .dev.vars token', () => {
    expect(resolveConnection({}, io())).toEqual({
      url: 'http://localhost:8787',
      token: 'from-dev-vars',
      tokenSource: '.dev.vars',
      actor: 'ana@laptop',
    });
  });

  it('prefers --token over VIGIL_ADMIN_TOKEN over .dev.vars', () => {
    const env = { VIGIL_ADMIN_TOKEN: 'from-env' };
    expect(resolveConnection({ token: 'from-flag' }, io(env))).toMatchObject({ token: 'from-flag', tokenSource: '--token' });
    expect(resolveConnection({}, io(env))).toMatchObject({ token: 'from-env', tokenSource: 'VIGIL_ADMIN_TOKEN' });
  });

  it('reads .dev.vars for localhost and 127.0.0.1 only, never for a remote URL', () => {
    expect(resolveConnection({ url: 'http://127.0.0.1:9000' }, io()).token).toBe('from-dev-vars');
    expect(resolveConnection({}, io({ VIGIL_URL: 'http://localhost:1234/' })).token).toBe('from-dev-vars');
    expect(resolveConnection({ url: 'https://vigil.example.workers.dev' }, io())).toMatchObject({
      token: undefined,
      tokenSource: undefined,
    });
    expect(resolveConnection({}, io({ VIGIL_URL: 'https://vigil.example.com' })).token).toBeUndefined();
  });

  it('takes the URL from --url, then VIGIL_URL, without a trailing slash', () => {
    expect(resolveConnection({ url: 'http://a.test/' }, io({ VIGIL_URL: 'http://b.test' })).url).toBe('http://a.test');
    expect(resolveConnection({}, io({ VIGIL_URL: 'http://b.test/vigil/' })).url).toBe('http://b.test/vigil');
  });

  it('uses --actor over the OS user', () => {
    expect(resolveConnection({ actor: 'release-bot' }, io()).actor).toBe('release-bot');
  });

  it('refuses a URL that is not http(s) as a usage error', () => {
    expect(() => resolveConnection({ url: 'localhost:8787' }, io())).toThrow(UsageError);
    expect(() => resolveConnection({ url: 'not a url' }, io())).toThrow(/is not a URL/);
  });

  it('says how to give a token when none is found', () => {
    const remote = resolveConnection({ url: 'https://vigil.example.com' }, io());
    expect(() => requireToken(remote)).toThrow('this command needs the admin token: pass --token or set VIGIL_ADMIN_TOKEN');
    const local = resolveConnection({}, { ...io(), devVarsPath: join(dir, 'missing') });
    expect(() => requireToken(local)).toThrow(/npm start/);
  });
});

describe('devVar', () => {
  it('reads KEY=VALUE lines, skipping comments and unquoting values', () => {
    expect(devVar('# ADMIN_TOKEN=commented\nADMIN_TOKEN = "quoted value"\n', 'ADMIN_TOKEN')).toBe('quoted value');
    expect(devVar('OTHER=1\n', 'ADMIN_TOKEN')).toBeUndefined();
    expect(devVar('ADMIN_TOKEN=\n', 'ADMIN_TOKEN')).toBeUndefined();
  });
});
