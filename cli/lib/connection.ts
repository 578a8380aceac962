/**
 * Where the client talks to and as whom: the URL, the admin token and the actor, from flags, then the
 * environment, then (for a local Vigil only) the repository's `.dev.vars`.
 *
 * @example
 * const connection = resolveConnection({ url: undefined, token: undefined, actor: undefined }, io);
 * // { url: 'http://localhost:8787', token: 'vigil-local-admin-token', tokenSource: '.dev.vars', actor: 'ana@laptop' }
 */
import { UsageError } from './cli-error.ts';
import { readDevVar } from './dev-vars.ts';
import type { CliIo } from './io.ts';

export const DEFAULT_URL = 'http://localhost:8787';

export type TokenSource = '--token' | 'VIGIL_ADMIN_TOKEN' | '.dev.vars';

export interface Connection {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | undefined;
  tokenSource: TokenSource | undefined;
  actor: string;
}

export interface ConnectionFlags {
  url?: string | undefined;
  token?: string | undefined;
  actor?: string | undefined;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return LOCAL_HOSTS.has(host) || host.endsWith('.localhost');
}

export function resolveConnection(flags: ConnectionFlags, io: Pick<CliIo, 'env' | 'devVarsPath' | 'defaultActor'>): Connection {
  const url = normalizeUrl(flags.url ?? nonEmpty(io.env.VIGIL_URL) ?? DEFAULT_URL, flags.url !== undefined ? '--url' : 'VIGIL_URL');
  let token: string | undefined;
  let tokenSource: TokenSource | undefined;
  if (flags.token !== undefined) {
    if (flags.token.trim() === '') throw new UsageError('--token is empty');
    [token, tokenSource] = [flags.token.trim(), '--token'];
  } else if (nonEmpty(io.env.VIGIL_ADMIN_TOKEN)) {
    [token, tokenSource] = [io.env.VIGIL_ADMIN_TOKEN!.trim(), 'VIGIL_ADMIN_TOKEN'];
  } else if (isLocalUrl(url)) {
    // Only a local Vigil: the local secret must never be sent to a remote host.
    token = readDevVar(io.devVarsPath, 'ADMIN_TOKEN');
    tokenSource = token === undefined ? undefined : '.dev.vars';
  }
  return { url, token, tokenSource, actor: actorOf(flags.actor, io.defaultActor) };
}

/** The admin token, or a usage error that says how to give one. */
export function requireToken(connection: Connection): string {
  if (connection.token !== undefined) return connection.token;
  const local = isLocalUrl(connection.url) ? ', or run `npm start` once so .dev.vars holds a local ADMIN_TOKEN' : '';
  throw new UsageError(`this command needs the admin token: pass --token or set VIGIL_ADMIN_TOKEN${local}`);
}

/** The actor goes in an HTTP header, so it must be printable ASCII; the OS user is made so, a flag refused. */
function actorOf(flag: string | undefined, fallback: string): string {
  if (flag !== undefined) {
    const actor = flag.trim();
    if (actor === '' || !/^[\x20-\x7e]{1,128}$/.test(actor))
      throw new UsageError('--actor must be 1-128 printable ASCII characters, e.g. ana@laptop');
    return actor;
  }
  return fallback.replace(/[^\x20-\x7e]/g, '_').slice(0, 128) || 'unknown';
}

function normalizeUrl(text: string, from: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${from} "${text}" is not a URL; expected e.g. http://localhost:8787`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${from} must be an http:// or https:// URL, got "${text}"`);
  return url.href.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
