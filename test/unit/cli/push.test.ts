import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runPush } from '../../../cli/commands/push.ts';
import { versionRecord } from './fixtures.ts';
import { at, captureIo, sendJson, startServer, vigilError, type TestServer } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-push-'));
const manifest = { schema_version: 1, name: 'california-housing', version: '3', task: 'regression' };
// Larger than one upload chunk, so the body goes out in several writes.
const modelBytes = Buffer.alloc(200_000, 7);
writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
writeFileSync(join(dir, 'model.onnx'), modelBytes);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function formOf(request: { headers: Record<string, unknown>; body: Buffer }): Promise<FormData> {
  return new Request('http://x/', {
    method: 'PUT',
    headers: { 'content-type': String(request.headers['content-type']) },
    body: new Uint8Array(request.body),
  }).formData();
}

describe('vigil push', () => {
  it('uploads the manifest and model parts with the token and actor, and prints the QA table', async () => {
    server = await startServer((_req, res) => sendJson(res, 201, versionRecord()));
    const io = captureIo();
    const code = await runPush([dir, ...at(server)], io);

    expect(code).toBe(0);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'PUT', url: '/admin/models/california-housing/versions/3' });
    expect(request!.headers.authorization).toBe('Bearer secret-token');
    expect(request!.headers['x-vigil-actor']).toBe('tester@test-host');
    expect(Number(request!.headers['content-length'])).toBe(request!.body.length);
    const form = await formOf(request as never);
    const model = form.get('model') as File;
    expect(model.name).toBe('model.onnx');
    expect(Buffer.from(await model.arrayBuffer()).equals(modelBytes)).toBe(true);
    expect(JSON.parse(await (form.get('manifest') as File).text())).toEqual(manifest);

    const out = io.out();
    expect(out).toContain('california-housing version 3: pushed');
    expect(out).toMatch(/check\s+passed\s+message/);
    expect(out).toMatch(/golden_outputs\s+yes\s+24 golden examples within tolerance/);
    expect(out).toMatch(/status:\s+qa_passed/);
    expect(out).toContain('vigil canary california-housing 3 --percent 10');
  });

  it("pushes under --model and --version instead of the manifest's", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, versionRecord()));
    const io = captureIo();
    expect(await runPush([dir, '--model', 'house-prices', '--version', '7', ...at(server)], io)).toBe(0);
    expect(server.requests[0]!.url).toBe('/admin/models/house-prices/versions/7');
    expect(io.out()).toContain('already present with the same bytes');
  });

  it('prints the failed checks and exits 1 when QA fails (422)', async () => {
    const failed = versionRecord({
      status: 'qa_failed',
      qa_report: {
        status: 'qa_failed',
        checked_at: '2026-11-27T00:00:00.000Z',
        golden_examples: 24,
        checks: [
          { name: 'load', passed: true, message: 'the model loads' },
          {
            name: 'golden_outputs',
            passed: false,
            message: '3 of 24 golden examples are off',
            failures: ['example 4: expected 2.5, got 9.1'],
          },
        ],
      },
    });
    server = await startServer((_req, res) =>
      sendJson(res, 422, {
        error: {
          code: 'qa_failed',
          message: 'version 3 of "california-housing" failed QA and cannot serve: golden_outputs: 3 of 24 golden examples are off',
          details: [],
        },
        version: failed,
      }),
    );
    const io = captureIo();
    expect(await runPush([dir, ...at(server)], io)).toBe(1);
    expect(io.out()).toMatch(/golden_outputs\s+NO\s+3 of 24 golden examples are off/);
    expect(io.out()).toContain('- example 4: expected 2.5, got 9.1');
    expect(io.out()).toMatch(/status:\s+qa_failed/);
    expect(io.err()).toContain('vigil: version 3 of "california-housing" failed QA and cannot serve');
  });

  it("prints the server's message and details and exits 1 when the push is refused", async () => {
    server = await startServer((_req, res) =>
      vigilError(
        res,
        409,
        'version_order',
        'version 3 is older than the latest version 5 of "california-housing"; push version 6 or higher',
        [{ field: 'version', code: 'version_order', message: 'must be greater than 5' }],
      ),
    );
    const io = captureIo();
    expect(await runPush([dir, ...at(server)], io)).toBe(1);
    expect(io.err()).toBe(
      'vigil: version 3 is older than the latest version 5 of "california-housing"; push version 6 or higher\n' +
        '  - version: must be greater than 5\n',
    );
  });

  it('exits 2 when the directory holds no package, before contacting the server', async () => {
    server = await startServer((_req, res) => sendJson(res, 201, versionRecord()));
    const io = captureIo();
    expect(await runPush([join(dir, 'nope'), ...at(server)], io)).toBe(2);
    expect(io.err()).toMatch(/nope\/manifest\.json does not exist/);
    expect(server.requests).toHaveLength(0);
  });

  it('says the server cannot be reached instead of printing a stack trace', async () => {
    server = await startServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const io = captureIo();
    expect(await runPush([dir, '--url', url, '--token', 't'], io)).toBe(1);
    expect(io.err()).toBe(`vigil: cannot reach Vigil at ${url} (ECONNREFUSED): is \`npm start\` running?\n`);
  });

  it('draws upload progress on a terminal', async () => {
    server = await startServer((_req, res) => sendJson(res, 201, versionRecord()));
    let err = '';
    const io = captureIo({ stderr: { write: (t) => void (err += t), isTTY: true, columns: 200 } });
    expect(await runPush([dir, ...at(server)], io)).toBe(0);
    expect(err).toMatch(/pushing california-housing version 3 \[█+\] 195\.\d KiB \/ 195\.\d KiB\n$/);
  });
});
