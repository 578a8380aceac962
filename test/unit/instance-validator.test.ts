import { describe, expect, it } from 'vitest';
import { compileValidator, FieldErrors, MAX_REPORTED_ERRORS, type FieldErrorCode } from '../../src/model/instance-validator.ts';
import { ManifestSchema } from '../../src/model/manifest.ts';
import { feature, manifest } from '../support/manifest-builder.ts';

const m = ManifestSchema.parse(
  manifest({
    features: [
      feature({ name: 'income', type: 'number', min: 0, max: 20 }),
      feature({ name: 'rooms', type: 'integer', min: 1 }),
      feature({ name: 'bedrooms', type: 'number', nullable: true }),
      feature({ name: 'region', type: 'category', categories: ['north', 'south'] }),
      feature({ name: 'job', type: 'category', categories: ['a', 'b'], nullable: true, missing_values: ['?'] }),
      feature({ name: 'owner', type: 'boolean', required: false, nullable: true }),
      feature({ name: 'legacy', type: 'number', required: false, nullable: true, deprecated: true }),
    ],
  }),
);
const validator = compileValidator(m);
const valid = { income: 3.5, rooms: 4, bedrooms: 2, region: 'north', job: 'a', owner: true };

function errorsFor(instance: unknown): { code: FieldErrorCode; field: string; message: string }[] {
  const errors = new FieldErrors();
  const row = validator.validate(instance, 7, errors);
  if (errors.count === 0) expect(row).not.toBeNull();
  else expect(row).toBeNull();
  for (const e of errors.list) expect(e.instance).toBe(7);
  return errors.list.map(({ code, field, message }) => ({ code, field, message }));
}

function expectOneError(instance: unknown, code: FieldErrorCode, field: string): string {
  const errors = errorsFor(instance);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ code, field });
  return errors[0]!.message;
}

describe('compileValidator', () => {
  it('returns the row in feature order, with missing optional features as null', () => {
    const errors = new FieldErrors();
    expect(validator.validate(valid, 0, errors)).toEqual([3.5, 4, 2, 'north', 'a', true, null]);
    expect(errors.count).toBe(0);
  });

  it('reads an array instance in manifest feature order', () => {
    const errors = new FieldErrors();
    expect(validator.validate([1, 2, null, 'south', null, false, null], 0, errors)).toEqual([1, 2, null, 'south', null, false, null]);
  });

  it('rejects an array instance of the wrong length, listing the feature order', () => {
    const message = expectOneError([1, 2], 'wrong_arity', '');
    expect(message).toContain('income, rooms, bedrooms');
  });

  it('turns a missing-value token into null for a nullable feature', () => {
    const errors = new FieldErrors();
    expect(validator.validate({ ...valid, job: '?' }, 0, errors)![4]).toBeNull();
  });

  it('rejects a missing required feature by name', () => {
    const { income: _, ...rest } = valid;
    expectOneError(rest, 'missing_feature', 'income');
  });

  it('rejects an unknown feature by name', () => {
    const message = expectOneError({ ...valid, colour: 'red' }, 'unknown_feature', 'colour');
    expect(message).toContain('remove it');
  });

  it('rejects null for a feature that is not nullable', () => {
    expectOneError({ ...valid, income: null }, 'null_not_allowed', 'income');
  });

  it.each([
    ['a string for a number', { income: '3.5' }, 'wrong_type', 'income'],
    ['a number for a category', { region: 1 }, 'wrong_type', 'region'],
    ['a string for a boolean', { owner: 'yes' }, 'wrong_type', 'owner'],
    ['an object for a number', { income: { v: 1 } }, 'wrong_type', 'income'],
    ['a fraction for an integer', { rooms: 2.5 }, 'not_an_integer', 'rooms'],
    ['a value above max', { income: 21 }, 'out_of_range', 'income'],
    ['a value below min', { income: -0.1 }, 'out_of_range', 'income'],
    ['an unknown category', { region: 'east' }, 'unknown_category', 'region'],
    ['an overlong string', { region: 'x'.repeat(300) }, 'string_too_long', 'region'],
  ] as const)('rejects %s', (_label, patch, code, field) => {
    expectOneError({ ...valid, ...patch }, code, field);
  });

  it.each(['NaN', 'nan', 'Infinity', '-Infinity', 'inf', ' +Inf '])('rejects the non-finite string %j as non_finite', (value) => {
    const message = expectOneError({ ...valid, income: value }, 'non_finite', 'income');
    expect(message).toContain('finite number');
  });

  it('rejects an overflowed number (1e999 parses to Infinity) as non_finite', () => {
    const instance = JSON.parse('{"income": 1e999, "rooms": 4, "bedrooms": 2, "region": "north", "job": "a"}');
    expectOneError(instance, 'non_finite', 'income');
  });

  it('rejects NaN and -Infinity numbers as non_finite', () => {
    expectOneError({ ...valid, income: Number.NaN }, 'non_finite', 'income');
    expectOneError({ ...valid, bedrooms: -Infinity }, 'non_finite', 'bedrooms');
  });

  it.each([null, 3, 'x', true])('rejects an instance that is %j', (instance) => {
    expectOneError(instance, 'not_an_object', '');
  });

  it('reports every problem of an instance, each naming its field', () => {
    const errors = errorsFor({ income: 'NaN', rooms: 0, region: 'east', extra: 1 });
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['extra', 'unknown_feature'],
      ['income', 'non_finite'],
      ['rooms', 'out_of_range'],
      ['bedrooms', 'missing_feature'],
      ['region', 'unknown_category'],
      ['job', 'missing_feature'],
    ]);
  });

  it('lists at most MAX_REPORTED_ERRORS errors and counts the rest', () => {
    const errors = new FieldErrors();
    for (let i = 0; i < 100; i++) validator.validate({ ...valid, income: -1 }, i, errors);
    expect(errors.list).toHaveLength(MAX_REPORTED_ERRORS);
    expect(errors.count).toBe(100);
  });

  it('marks deprecated features', () => {
    expect(validator.deprecated).toEqual([6]);
  });
});
