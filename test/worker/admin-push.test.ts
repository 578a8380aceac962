import { describe, expect, it } from 'vitest';
import { admin, adminJson, expectClose, postJson, type ApiError } from './helpers.ts';
import { bundledPackage, packageForm, push, pushPackage, withBrokenGoldens } from './packages.ts';

interface QaCheck {
  name: string;
  passed: boolean;
  message: string;
  failures?: string[];
}

interface VersionBody {
  model: string;
  version: string;
  source: string;
  status: 'qa_passed' | 'qa_failed';
  sha256: string;
  bytes: number;
  qa_failure?: string;
  created_by: string;
  qa_report: { status: string; golden_examples: number; checks: QaCheck[] };
  manifest: { name: string; version: string };
}

type QaFailedBody = ApiError & { version: VersionBody };

const HOUSING = 'california-housing';

function expectApiError(res: { status: number; body: unknown }, status: number, code: string, field?: string): ApiError {
  expect(res.status).toBe(status);
  const body = res.body as ApiError;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  if (field !== undefined) expect(body.error.details.map((d) => d.field)).toContain(field);
  return body;
}

// One file-wide D1: these tests run in order and build on each other's pushes (v3 passes, v4 fails QA).
describe('PUT /admin/models/{model}/versions/{version}', () => {
  const v3 = bundledPackage(HOUSING, '1', '3');
  const v4Broken = withBrokenGoldens(bundledPackage(HOUSING, '1', '4'));

  it('accepts a valid package with 201, status qa_passed and the full QA report', async () => {
    const res = await pushPackage<VersionBody>(v3, { 'x-vigil-actor': 'ana' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      model: HOUSING,
      version: '3',
      source: 'pushed',
      status: 'qa_passed',
      sha256: v3.manifest.artifact.sha256,
      bytes: v3.bytes.byteLength,
      created_by: 'ana',
    });
    expect(res.body.qa_failure).toBeUndefined();
    expect(res.body.qa_report.status).toBe('qa_passed');
    expect(res.body.qa_report.checks.map((c) => [c.name, c.passed])).toEqual([
      ['load', true],
      ['signature', true],
      ['encoding_parity', true],
      ['golden_outputs', true],
    ]);
  });

  it('shows the pushed version and its QA report through GET /admin/models/{model}/versions/{version}', async () => {
    const res = await adminJson<VersionBody>('GET', `/models/${HOUSING}/versions/3`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: HOUSING,
      version: '3',
      status: 'qa_passed',
      source: 'pushed',
      manifest: { name: HOUSING, version: '3' },
    });
    expect(res.body.qa_report.golden_examples).toBe(v3.manifest.golden.length);
    expect(res.body.qa_report.checks).toHaveLength(4);
    expect(res.body.qa_report.checks.every((c) => c.passed && c.message.length > 0)).toBe(true);

    const list = await adminJson<{ versions: VersionBody[] }>('GET', `/models/${HOUSING}/versions`);
    expect(list.body.versions.map((v) => [v.version, v.source, v.status])).toEqual([
      ['1', 'bundled', 'qa_passed'],
      ['2', 'bundled', 'qa_passed'],
      ['3', 'pushed', 'qa_passed'],
    ]);
  });

  it('serves a pushed version from its stored artifact once it is a canary and then primary', async () => {
    const canary = await adminJson('POST', `/models/${HOUSING}/deployment`, { action: 'canary', version: '3', percent: 100 });
    expect(canary.status).toBe(200);
    const instance = v3.manifest.golden[0] as unknown as { instance: Record<string, unknown>; expected: { value: number } };
    const served = await postJson(`/v1/models/${HOUSING}/predict`, { instances: [instance.instance] }, { 'x-routing-key': 'anyone' });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-model-version')).toBe('3');
    const body = (await served.json()) as { predictions: { value: number }[] };
    expectClose(body.predictions[0]!.value, instance.expected.value);

    expect((await adminJson('POST', `/models/${HOUSING}/deployment`, { action: 'promote', version: '3' })).status).toBe(200);
    const primary = await postJson(`/v1/models/${HOUSING}/predict`, { instances: [instance.instance] });
    expect(primary.headers.get('x-model-version')).toBe('3');
  });

  it('refuses a package whose golden outputs do not match with 422 qa_failed, naming the failing check', async () => {
    const res = await pushPackage<QaFailedBody>(v4Broken);
    expectApiError(res, 422, 'qa_failed', 'qa.golden_outputs');
    const body = res.body;
    expect(body.error.message).toContain('golden_outputs');
    expect(body.error.message).toContain('outside tolerance');
    expect(body.error.details.some((d) => /^golden 0: predicted .*, expected /.test(d.message))).toBe(true);
    expect(body.version).toMatchObject({ version: '4', status: 'qa_failed' });
    expect(body.version.qa_failure).toMatch(/^golden_outputs: /);
  });

  it('records the refused version as qa_failed with its report', async () => {
    const res = await adminJson<VersionBody>('GET', `/models/${HOUSING}/versions/4`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('qa_failed');
    const golden = res.body.qa_report.checks.find((c) => c.name === 'golden_outputs')!;
    expect(golden.passed).toBe(false);
    expect(golden.failures!.length).toBeGreaterThan(0);
  });

  it.each([
    ['promoted', { action: 'promote', version: '4' }],
    ['made a canary', { action: 'canary', version: '4', percent: 10 }],
    ['made a shadow', { action: 'shadow', version: '4', sample_rate: 1 }],
  ])('refuses to let a version that failed QA be %s (409 version_not_servable with the QA failure)', async (_label, change) => {
    const before = await adminJson<{ revision: number; primary: string; canary: unknown }>('GET', `/models/${HOUSING}/deployment`);
    const res = await adminJson<ApiError>('POST', `/models/${HOUSING}/deployment`, change);
    const body = expectApiError(res, 409, 'version_not_servable', 'version');
    expect(body.error.message).toContain('failed QA');
    expect(body.error.message).toContain('golden_outputs');
    const after = await adminJson('GET', `/models/${HOUSING}/deployment`);
    expect(after.body).toEqual(before.body);
  });

  it('refuses to serve a version that failed QA even when asked for it by number', async () => {
    const res = await postJson(`/v2/models/${HOUSING}/versions/4/infer`, {
      inputs: [{ name: 'median_income', datatype: 'FP64', shape: [1], data: [3] }],
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('version_not_servable');
  });

  it('answers 200 with the stored record when the identical package is pushed again', async () => {
    const again = await pushPackage<VersionBody>(v3);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: '3', status: 'qa_passed', created_by: 'ana' });
    const againBroken = await pushPackage<QaFailedBody>(v4Broken);
    expect(againBroken.status).toBe(422);
  });

  it('treats a re-push with the manifest keys reordered and reformatted as the identical package', async () => {
    const reordered = Object.fromEntries(Object.entries(v3.manifest).reverse());
    const res = await push<VersionBody>(
      HOUSING,
      '3',
      packageForm(v3, { manifest: new File([JSON.stringify(reordered, null, 2)], 'manifest.json') }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: '3', status: 'qa_passed' });
  });

  it('answers 200 when a bundled version is pushed again as it is bundled', async () => {
    const res = await pushPackage<VersionBody>(bundledPackage(HOUSING, '1'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: '1', source: 'bundled', status: 'qa_passed' });
  });

  it('refuses the same version with different bytes (409 version_exists)', async () => {
    const other = bundledPackage(HOUSING, '2', '3');
    const res = await pushPackage(other);
    expectApiError(res, 409, 'version_exists', 'version');
    expect((await adminJson<VersionBody>('GET', `/models/${HOUSING}/versions/3`)).body.sha256).toBe(v3.manifest.artifact.sha256);
  });

  it('refuses the same version and bytes with a different manifest (409 version_exists): versions are immutable', async () => {
    const fixed = bundledPackage(HOUSING, '1', '4'); // the correct goldens this time, same artifact
    const res = await pushPackage(fixed);
    expectApiError(res, 409, 'version_exists', 'version');
    expect((await adminJson<VersionBody>('GET', `/models/${HOUSING}/versions/4`)).body.status).toBe('qa_failed');
  });

  it('refuses a version lower than the latest (409 version_order)', async () => {
    const model = 'adult-income';
    expect((await pushPackage(bundledPackage(model, '1', '7'))).status).toBe(201);
    const res = await pushPackage(bundledPackage(model, '1', '5'));
    const body = expectApiError(res, 409, 'version_order', 'version');
    expect(body.error.message).toContain('latest version 7');
    expect((await adminJson('GET', `/models/${model}/versions/5`)).status).toBe(404);
  });

  it('accepts a package for a new model name', async () => {
    const pkg = bundledPackage(HOUSING, '1', '1');
    pkg.manifest.name = 'housing-copy';
    const res = await pushPackage<VersionBody>(pkg);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ model: 'housing-copy', version: '1', status: 'qa_passed' });
    const deployment = await adminJson<{ primary: string }>('GET', '/models/housing-copy/deployment');
    expect(deployment.body.primary).toBe('1');
  });

  it('refuses a manifest whose name does not match the URL (400 invalid_manifest)', async () => {
    const pkg = bundledPackage(HOUSING, '1', '9');
    const res = await push('adult-income', '9', packageForm(pkg));
    const body = expectApiError(res, 400, 'invalid_manifest', 'manifest.name');
    expect(body.error.message).toContain(`"${HOUSING}"`);
  });

  it('refuses a manifest whose version does not match the URL (400 invalid_manifest)', async () => {
    const pkg = bundledPackage(HOUSING, '1', '9');
    expectApiError(await push(HOUSING, '10', packageForm(pkg)), 400, 'invalid_manifest', 'manifest.version');
  });

  it("refuses a model.onnx whose sha256 is not the manifest's (400)", async () => {
    const pkg = bundledPackage(HOUSING, '1', '9');
    pkg.bytes = bundledPackage(HOUSING, '2').bytes;
    const body = expectApiError(await pushPackage(pkg), 400, 'invalid_manifest', 'manifest.artifact.sha256');
    expect(body.error.details[0]!.code).toBe('sha256_mismatch');
    expect((await adminJson('GET', `/models/${HOUSING}/versions/9`)).status).toBe(404);
  });

  it("refuses a model.onnx one byte short of the manifest's size (400)", async () => {
    const pkg = bundledPackage(HOUSING, '1', '9');
    pkg.bytes = pkg.bytes.slice(0, -1);
    expectApiError(await pushPackage(pkg), 400, 'invalid_manifest', 'manifest.artifact.sha256');
  });

  it.each([
    ['the model part', { model: null }, ['model']],
    ['the manifest part', { manifest: null }, ['manifest']],
    ['both parts', { model: null, manifest: null }, ['model', 'manifest']],
    ['a model sent as text instead of a file', { model: 'not a file' }, ['model']],
  ])('refuses a package without %s (400 naming it)', async (_label, parts, fields) => {
    const pkg = bundledPackage(HOUSING, '1', '9');
    const body = expectApiError(await push(HOUSING, '9', packageForm(pkg, parts)), 400, 'invalid_request');
    expect(body.error.details.map((d) => d.field)).toEqual(fields);
  });

  it('accepts the manifest as a plain text part', async () => {
    const pkg = bundledPackage(HOUSING, '1', '11');
    const res = await push<VersionBody>(HOUSING, '11', packageForm(pkg, { manifest: JSON.stringify(pkg.manifest) }));
    expect(res.status).toBe(201);
  });

  it('refuses a body that is not multipart (415)', async () => {
    const res = await admin(`/models/${HOUSING}/versions/12`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bundledPackage(HOUSING, '1', '12').manifest),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ApiError).error.code).toBe('unsupported_media_type');
  });

  it('refuses a manifest that is not JSON (400 naming the manifest)', async () => {
    const pkg = bundledPackage(HOUSING, '1', '12');
    const body = expectApiError(
      await push(HOUSING, '12', packageForm(pkg, { manifest: new File(['{"name": "california-housing",'], 'manifest.json') })),
      400,
      'invalid_manifest',
      'manifest',
    );
    expect(body.error.details[0]!.code).toBe('malformed_json');
    expect(body.error.message).toContain('not valid JSON');
  });

  it('refuses a manifest that breaks the schema (400 naming the field)', async () => {
    const pkg = bundledPackage(HOUSING, '1', '12');
    pkg.manifest.task = 'clustering';
    const body = expectApiError(await pushPackage(pkg), 400, 'invalid_manifest', 'manifest.task');
    expect(body.error.message).toMatch(/^manifest is invalid: manifest\.task: /);
  });

  it('refuses an invalid version or model name in the URL (400)', async () => {
    const pkg = bundledPackage(HOUSING, '1', '12');
    expectApiError(await push(HOUSING, 'v12', packageForm(pkg)), 400, 'invalid_request', 'version');
    expectApiError(await push('California_Housing', '12', packageForm(pkg)), 400, 'invalid_request', 'model');
  });

  it('answers 404 for a version or a model that does not exist', async () => {
    expectApiError(await adminJson('GET', `/models/${HOUSING}/versions/99`), 404, 'version_not_found', 'version');
    expectApiError(await adminJson('GET', '/models/no-such-model/versions/1'), 404, 'model_not_found', 'model');
    expectApiError(await adminJson('GET', '/models/no-such-model/versions'), 404, 'model_not_found', 'model');
  });
});
