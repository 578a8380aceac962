import { afterEach, describe, expect, it } from 'vitest';
import { runCanary, runPromote, runRollback, runSampling, runShadow } from '../../../cli/commands/deployment.ts';
import { runEngine } from '../../../cli/commands/engine.ts';
import { runEvents } from '../../../cli/commands/events.ts';
import { runStatus } from '../../../cli/commands/status.ts';
import { deployment, events, versions } from './fixtures.ts';
import { at, captureIo, sendJson, startServer, vigilError, type RecordedRequest, type TestServer } from './helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers the admin routes from the fixtures; POST /deployment echoes a changed deployment. */
async function adminServer(): Promise<TestServer> {
  return startServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/admin/models/california-housing/versions') return sendJson(res, 200, { model: 'california-housing', versions });
    if (path === '/admin/models/california-housing/deployment' && req.method === 'GET') return sendJson(res, 200, deployment);
    if (path === '/admin/models/california-housing/deployment' && req.method === 'POST') {
      const after = { ...deployment, primary: '3', canary: null, revision: 5, updated_by: String(req.headers['x-vigil-actor']) };
      return sendJson(res, 200, { deployment: after, event: { ...events[0]!, revision: 5, before: deployment, after } });
    }
    if (path === '/admin/models/california-housing/events') return sendJson(res, 200, { model: 'california-housing', events });
    if (path === '/admin/models') return sendJson(res, 200, { models: [{ name: 'california-housing', versions, deployment }] });
    return vigilError(res, 404, 'model_not_found', 'model "nope" does not exist; models: california-housing', [
      { field: 'model', code: 'model_not_found', message: 'no model named "nope"' },
    ]);
  });
}

describe('vigil status', () => {
  it('renders the deployment and the versions table', async () => {
    server = await adminServer();
    const io = captureIo({ now: () => Date.parse('2026-11-27T10:05:00Z') });
    expect(await runStatus(['california-housing', ...at(server)], io)).toBe(0);
    const out = io.out();
    expect(out).toContain('primary:     1');
    expect(out).toContain('canary:      3 (10 % of routing keys)');
    expect(out).toContain('shadows:     2 (sample rate 100 %)');
    expect(out).toContain('sample rate: 1 % of primary traffic logged');
    expect(out).toContain('revision:    4');
    expect(out).toContain('updated:     2026-11-27 10:00:00Z (5 min ago) by ana@laptop');
    expect(out).toMatch(/version\s+role\s+source\s+status\s+engine\s+sha256\s+created\s+by\s+qa failure/);
    expect(out).toMatch(/1\s+primary\s+bundled\s+qa_passed\s+compiled\s+aaaaaaaaaaaa\s+2026-11-20 09:00:00Z/);
    expect(out).toMatch(/2\s+shadow\s+bundled\s+qa_passed\s+onnxruntime \(forced\)\s+bbbbbbbbbbbb/);
    expect(out).toMatch(/3\s+canary\s+pushed\s+qa_passed\s+onnxruntime\s+cccccccccccc/);
    expect(out).toMatch(/4\s+pushed\s+qa_failed\s+dddddddddddd\s+.*golden_outputs: 3 of 24 golden examples are off/);
    for (const r of server.requests) expect(r.headers.authorization).toBe('Bearer secret-token');
  });

  it('prints JSON with --json', async () => {
    server = await adminServer();
    const io = captureIo();
    expect(await runStatus(['california-housing', '--json', ...at(server)], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ model: 'california-housing', deployment, versions });
  });

  it('lists every model without a model argument', async () => {
    server = await adminServer();
    const io = captureIo();
    expect(await runStatus(at(server), io)).toBe(0);
    expect(io.out()).toMatch(/california-housing\s+1\s+3 @ 10 %\s+2 @ 100 %\s+4\s+4/);
  });

  it("prints the server's message and exits 1 for an unknown model", async () => {
    server = await adminServer();
    const io = captureIo();
    expect(await runStatus(['nope', ...at(server)], io)).toBe(1);
    expect(io.err()).toBe('vigil: model "nope" does not exist; models: california-housing\n  - model: no model named "nope"\n');
  });

  it('adds a hint to a 401', async () => {
    server = await startServer((_req, res) => vigilError(res, 401, 'unauthorized', 'the admin token is not valid'));
    const io = captureIo();
    expect(await runStatus(['california-housing', ...at(server)], io)).toBe(1);
    expect(io.err()).toContain('vigil: the admin token is not valid (check --token or VIGIL_ADMIN_TOKEN)');
  });

  it('exits 2 without a token for a remote URL', async () => {
    const io = captureIo();
    expect(await runStatus(['california-housing', '--url', 'https://vigil.example.com'], io)).toBe(2);
    expect(io.err()).toContain('needs the admin token');
  });
});

describe('vigil events', () => {
  it('renders revision, time, actor, action, change and reason', async () => {
    server = await adminServer();
    const io = captureIo();
    expect(await runEvents(['california-housing', '--limit', '3', ...at(server)], io)).toBe(0);
    expect(server.requests[0]!.url).toBe('/admin/models/california-housing/events?limit=3');
    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(/rev\s+time\s+actor\s+action\s+change\s+reason/);
    expect(lines[1]).toMatch(/^\s*4\s+2026-11-27 10:00:00Z\s+ana@laptop\s+canary\s+canary none → 3 @ 10 %\s+try the retrained model$/);
    expect(lines[2]).toMatch(/^\s*3\s+2026-11-26 10:00:00Z\s+bo@ci\s+promote\s+primary 2 → 1$/);
    expect(lines[3]).toMatch(/^\s*1\s+.*vigil:bootstrap\s+bootstrap\s+created: primary 2, shadows 2 @ 100 %$/);
    expect(io.out()).toContain('older events: vigil events california-housing --before 10');
  });

  it('refuses a --limit out of range as a usage error', async () => {
    const io = captureIo();
    expect(await runEvents(['california-housing', '--limit', '0', '--url', 'http://127.0.0.1:9', '--token', 't'], io)).toBe(2);
    expect(io.err()).toContain('--limit must be an integer ≥ 1 and ≤ 500, got "0"');
  });
});

describe('deployment commands', () => {
  async function run(
    command: (args: string[], io: ReturnType<typeof captureIo>) => Promise<number>,
    args: string[],
  ): Promise<{ code: number; request: RecordedRequest | undefined; out: string; err: string }> {
    server ??= await adminServer();
    const before = server.requests.length;
    const io = captureIo();
    const code = await command([...args, ...at(server)], io);
    return { code, request: server.requests[before], out: io.out(), err: io.err() };
  }

  it('promote posts the version and reason with the token and actor, and prints the deployment', async () => {
    const { code, request, out } = await run(runPromote, ['california-housing', '3', '--reason', 'better MAE']);
    expect(code).toBe(0);
    expect(request).toMatchObject({
      method: 'POST',
      url: '/admin/models/california-housing/deployment',
      json: { action: 'promote', version: '3', reason: 'better MAE' },
    });
    expect(request!.headers.authorization).toBe('Bearer secret-token');
    expect(request!.headers['x-vigil-actor']).toBe('tester@test-host');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(out).toContain('promoted version 3 of california-housing (revision 5)');
    expect(out).toContain('primary:     3');
  });

  it('sends --actor instead of the OS user', async () => {
    const { request } = await run(runRollback, ['california-housing', '--actor', 'release-bot']);
    expect(request!.json).toEqual({ action: 'rollback' });
    expect(request!.headers['x-vigil-actor']).toBe('release-bot');
  });

  it("sends each action's body", async () => {
    expect((await run(runCanary, ['california-housing', '3', '--percent', '10'])).request!.json).toEqual({
      action: 'canary',
      version: '3',
      percent: 10,
    });
    expect((await run(runCanary, ['california-housing', '--clear', '--reason', 'errors'])).request!.json).toEqual({
      action: 'clear_canary',
      reason: 'errors',
    });
    expect((await run(runShadow, ['california-housing', '2', '--sample-rate', '0.25'])).request!.json).toEqual({
      action: 'shadow',
      version: '2',
      sample_rate: 0.25,
    });
    expect((await run(runShadow, ['california-housing', '2', '--sample-rate', '50%'])).request!.json).toEqual({
      action: 'shadow',
      version: '2',
      sample_rate: 0.5,
    });
    expect((await run(runShadow, ['california-housing', '2', '--clear'])).request!.json).toEqual({ action: 'clear_shadow', version: '2' });
    expect((await run(runSampling, ['california-housing', '--rate', '1'])).request!.json).toEqual({ action: 'sampling', sample_rate: 1 });
    expect((await run(runSampling, ['california-housing', '--rate', '0'])).request!.json).toEqual({ action: 'sampling', sample_rate: 0 });
  });

  it('prints the raw result with --json', async () => {
    const { out } = await run(runRollback, ['california-housing', '--json']);
    expect(JSON.parse(out)).toMatchObject({ deployment: { primary: '3', revision: 5 }, event: { revision: 5 } });
  });

  it('catches usage mistakes before sending anything (exit 2)', async () => {
    for (const [command, args, message] of [
      [runCanary, ['california-housing', '3'], '--percent is required'],
      [runCanary, ['california-housing', '3', '--percent', '150'], '--percent must be a number ≥ 0 and ≤ 100'],
      [runCanary, ['california-housing', '3', '--clear'], 'takes no version'],
      [runShadow, ['california-housing', '2', '--sample-rate', '2'], '--sample-rate must be a number ≥ 0 and ≤ 1'],
      [runSampling, ['california-housing'], '--rate is required'],
      [runPromote, ['california-housing'], 'promote needs 2 arguments'],
      [runPromote, ['california-housing', '3', '--force'], 'unknown option --force'],
    ] as const) {
      const result = await run(command, [...args]);
      expect(result.code, String(args)).toBe(2);
      expect(result.err).toContain(message);
      expect(result.request).toBeUndefined();
    }
  });

  it("prints the server's refusal and exits 1", async () => {
    server = await startServer((_req, res) =>
      vigilError(
        res,
        409,
        'version_not_servable',
        'version 4 of "california-housing" failed QA and cannot become primary: golden_outputs: 3 of 24 golden examples are off',
      ),
    );
    const { code, err } = await run(runPromote, ['california-housing', '4']);
    expect(code).toBe(1);
    expect(err).toBe(
      'vigil: version 4 of "california-housing" failed QA and cannot become primary: golden_outputs: 3 of 24 golden examples are off\n',
    );
  });

  it('prints help and exits 0', async () => {
    const io = captureIo();
    expect(await runCanary(['--help'], io)).toBe(0);
    expect(io.out()).toContain('usage: vigil canary <model> <version> --percent <P>');
  });
});

describe('vigil engine', () => {
  async function engineServer(): Promise<TestServer> {
    return startServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/admin/models/california-housing/versions/2/engine') {
        const body = JSON.parse(req.body.toString('utf8')) as { engine: string; reason?: string };
        const forced = body.engine !== 'auto';
        return sendJson(res, 200, {
          ...versions[1]!,
          engine: forced ? body.engine : 'compiled',
          engine_reason: forced
            ? `forced by ${String(req.headers['x-vigil-actor'])}${body.reason ? `: ${body.reason}` : ''}`
            : 'matches ONNX Runtime on 24 golden examples and 1000 inputs',
          ...(forced
            ? {
                engine_override: {
                  engine: body.engine,
                  actor: String(req.headers['x-vigil-actor']),
                  reason: body.reason ?? null,
                  at: '2026-12-02T10:00:00.000Z',
                },
              }
            : { engine_override: undefined }),
        });
      }
      return vigilError(
        res,
        409,
        'engine_not_proven',
        'version 3 of "california-housing" cannot run on the compiled evaluator: node "s" (Softplus) is not supported',
      );
    });
  }

  it('puts the engine and reason, and prints what the version runs on and why', async () => {
    server = await engineServer();
    const io = captureIo();
    expect(await runEngine(['california-housing', '2', 'onnxruntime', '--reason', 'investigating a difference', ...at(server)], io)).toBe(
      0,
    );
    expect(server.requests[0]).toMatchObject({
      method: 'PUT',
      url: '/admin/models/california-housing/versions/2/engine',
      json: { engine: 'onnxruntime', reason: 'investigating a difference' },
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(io.out()).toBe(
      'version 2 of california-housing runs on onnxruntime (forced): forced by tester@test-host: investigating a difference\n',
    );
    const auto = captureIo();
    expect(await runEngine(['california-housing', '2', 'auto', ...at(server)], auto)).toBe(0);
    expect(server.requests[1]!.json).toEqual({ engine: 'auto' });
    expect(auto.out()).toBe(
      'version 2 of california-housing runs on compiled: matches ONNX Runtime on 24 golden examples and 1000 inputs\n',
    );
  });

  it("refuses an unknown engine before sending anything, and prints the server's refusal", async () => {
    server = await engineServer();
    const io = captureIo();
    expect(await runEngine(['california-housing', '2', 'fast', ...at(server)], io)).toBe(2);
    expect(io.err()).toContain('the engine is one of auto, onnxruntime, compiled, not "fast"');
    expect(server.requests).toHaveLength(0);
    const refused = captureIo();
    expect(await runEngine(['california-housing', '3', 'compiled', ...at(server)], refused)).toBe(1);
    expect(refused.err()).toBe(
      'vigil: version 3 of "california-housing" cannot run on the compiled evaluator: node "s" (Softplus) is not supported\n',
    );
  });
});
