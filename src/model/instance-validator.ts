/**
 * Checks prediction instances against a model's manifest. The checks are compiled once per model version
 * into closures; validating an instance is then one pass over its keys and one over the features.
 *
 * Valid instances become rows: one value per manifest feature, in manifest order, with missing values and
 * the manifest's missing-value tokens as `null`. Rows are what the encoder, profiles and samples consume.
 *
 * @example
 * const validator = compileValidator(manifest);
 * const errors = new FieldErrors();
 * const row = validator.validate({ age: 39, sex: 'Male' }, 0, errors);
 */
import type { Feature, FeatureValue } from './manifest.ts';

/** What validation needs of a feature: everything but its training statistics. */
export type FeatureSchemaSpec = Omit<Feature, 'training'>;

export type Row = FeatureValue[];

export type FieldErrorCode =
  | 'not_an_object'
  | 'wrong_arity'
  | 'missing_feature'
  | 'unknown_feature'
  | 'null_not_allowed'
  | 'wrong_type'
  | 'non_finite'
  | 'not_an_integer'
  | 'out_of_range'
  | 'unknown_category'
  | 'string_too_long';

export interface FieldError {
  /** Position of the instance in the request. */
  instance: number;
  /** The feature (or unknown field) at fault; empty when the instance itself is malformed. */
  field: string;
  code: FieldErrorCode;
  message: string;
}

export const MAX_STRING_LENGTH = 256;
/** Errors listed per request; more are counted, not listed, to keep error bodies small. */
export const MAX_REPORTED_ERRORS = 50;

/** Collects the field errors of one request. */
export class FieldErrors {
  readonly list: FieldError[] = [];
  /** Errors found beyond MAX_REPORTED_ERRORS. */
  unlisted = 0;
  /** Every error counted by field, listed or not (for invalid-value profiles). */
  readonly byField = new Map<string, number>();

  add(error: FieldError): void {
    if (this.list.length < MAX_REPORTED_ERRORS) this.list.push(error);
    else this.unlisted++;
    this.byField.set(error.field, (this.byField.get(error.field) ?? 0) + 1);
  }

  get count(): number {
    return this.list.length + this.unlisted;
  }
}

const NON_FINITE_STRINGS = new Set(['nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);

type Check = (value: unknown) => { ok: true; value: FeatureValue } | { ok: false; code: FieldErrorCode; message: string };

export interface CompiledValidator {
  readonly featureNames: readonly string[];
  /** Validates one instance (an object keyed by feature name, or an array in manifest feature order). */
  validate(instance: unknown, index: number, errors: FieldErrors): Row | null;
  /** Indexes of deprecated features, for warnings and counters. */
  readonly deprecated: readonly number[];
}

export function compileValidator(manifest: { readonly features: readonly FeatureSchemaSpec[] }): CompiledValidator {
  const features = manifest.features;
  const names = features.map((f) => f.name);
  const indexByName = new Map(names.map((n, i) => [n, i]));
  const checks = features.map(compileCheck);
  const deprecated = features.flatMap((f, i) => (f.deprecated ? [i] : []));

  function validate(instance: unknown, index: number, errors: FieldErrors): Row | null {
    const before = errors.count;
    let values: (name: string, i: number) => unknown;
    if (Array.isArray(instance)) {
      if (instance.length !== features.length) {
        errors.add({
          instance: index,
          field: '',
          code: 'wrong_arity',
          message:
            `the instance is a list of ${instance.length} values; the model ` +
            `takes ${features.length} features in this order: ${names.join(', ')}`,
        });
        return null;
      }
      values = (_name, i) => instance[i];
    } else if (instance !== null && typeof instance === 'object') {
      const obj = instance as Record<string, unknown>;
      for (const key in obj) {
        if (!indexByName.has(key)) {
          errors.add({
            instance: index,
            field: key,
            code: 'unknown_feature',
            message: `"${key}" is not a feature of this model; remove it (features: ${names.join(', ')})`,
          });
        }
      }
      values = (name) => obj[name];
    } else {
      errors.add({
        instance: index,
        field: '',
        code: 'not_an_object',
        message: `the instance must be an object of feature values (or a list in feature order), got ${describe(instance)}`,
      });
      return null;
    }

    const row: Row = new Array(features.length);
    for (let i = 0; i < features.length; i++) {
      const feature = features[i]!;
      const raw = values(feature.name, i);
      if (raw === undefined) {
        if (feature.required) {
          errors.add({
            instance: index,
            field: feature.name,
            code: 'missing_feature',
            message: `"${feature.name}" is required (${describeFeature(feature)})`,
          });
          continue;
        }
        row[i] = null;
        continue;
      }
      const result = checks[i]!(raw);
      if (result.ok) row[i] = result.value;
      else errors.add({ instance: index, field: feature.name, code: result.code, message: result.message });
    }
    return errors.count === before ? row : null;
  }

  return { featureNames: names, validate, deprecated };
}

function compileCheck(feature: FeatureSchemaSpec): Check {
  const name = feature.name;
  const missing = new Set(feature.missing_values);
  const nullable = feature.nullable;
  const nullResult = { ok: true as const, value: null };
  const nullError = {
    ok: false as const,
    code: 'null_not_allowed' as const,
    message: `"${name}" cannot be null (${describeFeature(feature)})`,
  };
  const orNull = (value: unknown): boolean => value === null || (typeof value === 'string' && missing.has(value));

  switch (feature.type) {
    case 'number':
    case 'integer': {
      const min = feature.min ?? -Infinity;
      const max = feature.max ?? Infinity;
      const integer = feature.type === 'integer';
      return (value) => {
        if (orNull(value)) return nullable ? nullResult : nullError;
        if (typeof value !== 'number') {
          if (typeof value === 'string' && NON_FINITE_STRINGS.has(value.trim().toLowerCase())) {
            return { ok: false, code: 'non_finite', message: `"${name}" is ${JSON.stringify(value)}; send a finite number` };
          }
          return { ok: false, code: 'wrong_type', message: `"${name}" must be a ${feature.type}, got ${describe(value)}` };
        }
        if (!Number.isFinite(value)) {
          return { ok: false, code: 'non_finite', message: `"${name}" is ${value} (the number overflowed); send a finite number` };
        }
        if (integer && !Number.isInteger(value)) {
          return { ok: false, code: 'not_an_integer', message: `"${name}" must be an integer, got ${value}` };
        }
        if (value < min || value > max) {
          return { ok: false, code: 'out_of_range', message: `"${name}" is ${value}; it must be between ${fmt(min)} and ${fmt(max)}` };
        }
        return { ok: true, value };
      };
    }
    case 'category': {
      const categories = new Set(feature.categories ?? []);
      const listed = summarize(feature.categories ?? []);
      return (value) => {
        if (orNull(value)) return nullable ? nullResult : nullError;
        if (typeof value !== 'string') {
          return { ok: false, code: 'wrong_type', message: `"${name}" must be a string category, got ${describe(value)}` };
        }
        if (value.length > MAX_STRING_LENGTH) {
          return {
            ok: false,
            code: 'string_too_long',
            message: `"${name}" is ${value.length} characters; the limit is ${MAX_STRING_LENGTH}`,
          };
        }
        if (!categories.has(value)) {
          return {
            ok: false,
            code: 'unknown_category',
            message: `"${name}" is ${JSON.stringify(value)}, not a known category (${listed})`,
          };
        }
        return { ok: true, value };
      };
    }
    case 'boolean':
      return (value) => {
        if (orNull(value)) return nullable ? nullResult : nullError;
        if (typeof value !== 'boolean') {
          return { ok: false, code: 'wrong_type', message: `"${name}" must be true or false, got ${describe(value)}` };
        }
        return { ok: true, value };
      };
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function describeFeature(f: FeatureSchemaSpec): string {
  const parts: string[] = [f.type];
  if (f.min !== undefined || f.max !== undefined) parts.push(`${fmt(f.min ?? -Infinity)}..${fmt(f.max ?? Infinity)}`);
  if (f.categories) parts.push(`one of ${summarize(f.categories)}`);
  if (f.nullable) parts.push('nullable');
  return parts.join(', ');
}

function summarize(categories: readonly string[]): string {
  const shown = categories.slice(0, 12).map((c) => JSON.stringify(c));
  return categories.length > 12 ? `${shown.join(', ')}, … ${categories.length - 12} more` : shown.join(', ');
}

function fmt(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '∞' : '-∞';
}
