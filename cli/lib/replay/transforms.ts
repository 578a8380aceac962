/**
 * Column transforms that rehearse drift and bad data during a replay: `--shift col=*1.5` (multiply),
 * `--shift col=+10` / `col=-3` (add, subtract) on numeric columns, and `--set col=value` (any column; an empty
 * value sets it missing).
 *
 * @example
 * parseShift('median_income=*1.5')
 * // { ok: true, transform: { kind: 'shift', column: 'median_income', op: '*', operand: 1.5, text: 'median_income=*1.5' } }
 * applyShift(2, { op: '*', operand: 1.5 }, 'number') // 3
 */
import type { InputKind } from './model-inputs.ts';

export type ColumnTransform =
  | { kind: 'shift'; column: string; op: '*' | '+'; operand: number; text: string }
  | { kind: 'set'; column: string; value: string | null; text: string };

export type TransformResult = { ok: true; transform: ColumnTransform } | { ok: false; message: string };

export function parseShift(text: string): TransformResult {
  const eq = text.indexOf('=');
  const column = eq < 0 ? '' : text.slice(0, eq).trim();
  const match = /^\s*([*+-])\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)\s*$/i.exec(eq < 0 ? '' : text.slice(eq + 1));
  if (column === '' || !match) {
    return {
      ok: false,
      message: `--shift "${text}" is not a shift; write column=*1.5 (multiply), column=+10 (add) or column=-3 (subtract)`,
    };
  }
  const operand = Number(match[2]);
  const op = match[1] === '*' ? '*' : '+';
  return { ok: true, transform: { kind: 'shift', column, op, operand: match[1] === '-' ? -operand : operand, text } };
}

export function parseSet(text: string): TransformResult {
  const eq = text.indexOf('=');
  const column = eq < 0 ? '' : text.slice(0, eq).trim();
  if (column === '') return { ok: false, message: `--set "${text}" is not an assignment; write column=value (column= sets it missing)` };
  const value = text.slice(eq + 1);
  return { ok: true, transform: { kind: 'set', column, value: value === '' ? null : value, text } };
}

/** The shifted value; integers stay integers (rounded) so an INT64 input still validates. */
export function applyShift(value: number, shift: { op: '*' | '+'; operand: number }, kind: InputKind): number {
  const shifted = shift.op === '*' ? value * shift.operand : value + shift.operand;
  return kind === 'integer' ? Math.round(shifted) : shifted;
}
