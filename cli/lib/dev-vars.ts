/**
 * Reads `.dev.vars` (the Worker's local secrets that `npm start` creates): KEY=VALUE lines, `#` comments,
 * values optionally quoted.
 *
 * @example
 * devVar('ADMIN_TOKEN=abc\n# PREDICT_TOKENS=k\n', 'ADMIN_TOKEN') // 'abc'
 */
import { readFileSync } from 'node:fs';

export function devVar(text: string, name: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0 || line.slice(0, eq).trim() !== name) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    return value === '' ? undefined : value;
  }
  return undefined;
}

/** The variable from the file at `path`; undefined when the file or the variable is missing. */
export function readDevVar(path: string, name: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return devVar(text, name);
}
