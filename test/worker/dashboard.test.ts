import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE, sessionValue, validSession } from '../../src/api/admin-auth.ts';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { preciseNumber } from '../../src/reports/views/explain-view.tsx';
import { buildServices } from '../../src/services.ts';
import { ADMIN_TOKEN, admin, adminHeaders, adminJson, fetchWorker, makePrimary, manifestOf, postJson } from './helpers.ts';

const workerEnv = env as unknown as Env;
const d1 = (env as unknown as { DB: D1Database }).DB;

/** The Worker's own app over its own services, so a test can change the environment it sees. */
const app = createApp((e) => buildServices(e));

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  };
}

async function expectHtml(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('cache-control')).toBe('no-store');
  const html = await res.text();
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).not.toContain(ADMIN_TOKEN);
  expect(html).not.toContain('<script');
  return html;
}

function expectLoginForm(html: string): void {
  expect(html).toContain('<form method="post" action="/login">');
  expect(html).toMatch(/<input id="token" name="token" type="password"/);
}

/** The `name=value` of a Set-Cookie header and its attributes, lower-cased names. */
function parseSetCookie(header: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair, ...rest] = header.split(';').map((p) => p.trim());
  const [name, ...value] = pair!.split('=');
  return {
    name: name!,
    value: value.join('='),
    attributes: new Map(
      rest.map((a) => {
        const [k, ...v] = a.split('=');
        return [k!.toLowerCase(), v.join('=')];
      }),
    ),
  };
}

async function signIn(): Promise<string> {
  const res = await fetchWorker('/login', form({ token: ADMIN_TOKEN }));
  expect(res.status).toBe(303);
  const cookie = parseSetCookie(res.headers.get('set-cookie')!);
  return `${cookie.name}=${cookie.value}`;
}

describe('dashboard: signing in', () => {
  it('answers 401 with the sign-in form without a credential', async () => {
    for (const path of ['/', '/models/adult-income', '/models/adult-income?window=7d']) {
      const res = await fetchWorker(path);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expectLoginForm(await expectHtml(res, 401));
    }
  });

  it('answers 503 with how to set ADMIN_TOKEN when it is not configured, never an open dashboard', async () => {
    for (const token of [undefined, '', '  ']) {
      const closed = { ...workerEnv, ADMIN_TOKEN: token } as Env;
      for (const path of ['/', '/models/adult-income', '/login']) {
        const html = await expectHtml(await app.request(path, { headers: adminHeaders }, closed), 503);
        expect(html).toContain('wrangler secret put ADMIN_TOKEN');
        expect(html).toContain('.dev.vars');
      }
      await expectHtml(await app.request('/login', form({ token: ADMIN_TOKEN }), closed), 503);
    }
  });

  it(
    'signs in with the right token: ' + 'an HttpOnly, SameSite=Strict session cookie that is not the token and opens the dashboard',
    async () => {
      const res = await fetchWorker('/login', form({ token: ADMIN_TOKEN }));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
      const cookie = parseSetCookie(res.headers.get('set-cookie')!);
      expect(cookie.name).toBe(SESSION_COOKIE);
      expect(await validSession(ADMIN_TOKEN, cookie.value)).toBe(true);
      expect(cookie.value).not.toContain(ADMIN_TOKEN);
      // Each sign-in gets a session of its own (issue 11: it used to be the same HMAC for every login).
      const again = parseSetCookie((await fetchWorker('/login', form({ token: ADMIN_TOKEN }))).headers.get('set-cookie')!);
      expect(again.value).not.toBe(cookie.value);
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Strict');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('secure')).toBe(false); // plain http (local development)

      const home = await expectHtml(await fetchWorker('/', { headers: { cookie: `${cookie.name}=${cookie.value}` } }), 200);
      expect(home).toContain('adult-income');
      expect(home).toContain('california-housing');
      expect(home).toContain('action="/logout"');
    },
  );

  it('marks the cookie Secure over https', async () => {
    const res = await app.request('https://vigil.example/login', form({ token: ADMIN_TOKEN }), workerEnv);
    expect(res.status).toBe(303);
    expect(parseSetCookie(res.headers.get('set-cookie')!).attributes.has('secure')).toBe(true);
  });

  it('returns to the page that asked for the sign-in, but never to another site', async () => {
    const back = await fetchWorker('/login', form({ token: ADMIN_TOKEN, next: '/models/adult-income?window=1h' }));
    expect(back.headers.get('location')).toBe('/models/adult-income?window=1h');
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await fetchWorker('/login', form({ token: ADMIN_TOKEN, next }));
      expect(res.headers.get('location')).toBe('/');
    }
    // The form shown for a protected page carries it.
    expect(await (await fetchWorker('/models/adult-income?window=1h')).text()).toContain(
      'name="next" value="/models/adult-income?window=1h"',
    );
  });

  it('refuses a wrong or empty token with the form and a message, and sets no cookie', async () => {
    for (const token of [`${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), 'nope', '']) {
      const res = await fetchWorker('/login', form({ token }));
      expect(res.headers.get('set-cookie')).toBeNull();
      const html = await expectHtml(res, 401);
      expectLoginForm(html);
      expect(html).toContain('role="alert"');
    }
    // Not a form at all: still a refusal, not a server error.
    const json = await fetchWorker('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
      redirect: 'manual',
    });
    expect(json.status).toBe(401);
  });

  it('refuses a session cookie that is not the current one, and clears it', async () => {
    const res = await fetchWorker('/', { headers: { cookie: `${SESSION_COOKIE}=${await sessionValue('an-old-token')}` } });
    const html = await expectHtml(res, 401);
    expect(html).toContain('session has ended');
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
    // The token itself is not a session.
    expect((await fetchWorker('/', { headers: { cookie: `${SESSION_COOKIE}=${ADMIN_TOKEN}` } })).status).toBe(401);
  });

  it('accepts the bearer token instead of a session, and refuses a wrong one', async () => {
    await expectHtml(await fetchWorker('/', { headers: adminHeaders }), 200);
    const html = await expectHtml(await fetchWorker('/', { headers: { authorization: `Bearer not-${ADMIN_TOKEN}` } }), 401);
    expect(html).toContain('not the admin token');
  });

  it('refuses sign-in forms posted from another site', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://vigil.test' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const res = await fetchWorker('/login', form({ token: ADMIN_TOKEN }, headers));
      expect(res.headers.get('set-cookie')).toBeNull();
      await expectHtml(res, 403);
    }
    expect((await fetchWorker('/login', form({ token: ADMIN_TOKEN }, { origin: 'http://vigil.test' }))).status).toBe(303);
    expect(
      (await fetchWorker('/login', form({ token: ADMIN_TOKEN }, { 'sec-fetch-site': 'same-origin', origin: 'http://vigil.test' }))).status,
    ).toBe(303);
  });

  it('signs out by clearing the cookie', async () => {
    const res = await fetchWorker('/logout', { method: 'POST', headers: { cookie: await signIn() }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0.*HttpOnly`));
  });

  it('shows the sign-in form at /login, and sends a signed-in visitor home', async () => {
    expectLoginForm(await expectHtml(await fetchWorker('/login'), 200));
    const res = await fetchWorker('/login', { headers: { cookie: await signIn() }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });
});

/** The HTML of the element with `id` up to the next top-level section (the model page's sections are siblings). */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="card" id="${id}"`);
  expect(start, `a section with id "${id}"`).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('<section ', start + 1);
  return html.slice(start, end < 0 ? undefined : end);
}

async function seedSamples(
  model: string,
  version: number,
  rows: readonly { id: string; features: Record<string, unknown>; at: number }[],
): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms,
       slices, created_at)
     VALUES (?, 0, ?, ?, 'primary', ?, '{}', 0, NULL, 1, '{}', ?)`,
  );
  await d1.batch(rows.map((r) => stmt.bind(r.id, model, version, JSON.stringify(r.features), r.at)));
}

async function seedComparisons(model: string, ids: readonly string[], at: number): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction,
       shadow_prediction, primary_score, shadow_score, primary_label, shadow_label, signed_diff, abs_diff, label_agree,
       primary_latency_ms, shadow_latency_ms, error, slices, created_at)
     VALUES (?, 0, ?, 1, 2, '{}', '{}', 0, 0, NULL, NULL, 0, 0, NULL, 1, 1, NULL, '{}', ?)`,
  );
  await d1.batch(ids.map((id) => stmt.bind(id, model, at)));
}

function decodeHtml(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

// Runs before 'dashboard: pages', whose canary test sends california-housing traffic into this window.
describe('dashboard: which features moved the predictions', () => {
  it("charts the drift attribution and each shadow's when logged instances exist, with a caption naming the feature", async () => {
    const instances = manifestOf('california-housing', '1').golden.map((g) => g.instance as Record<string, unknown>);
    const shifted = instances.map((i) => ({ ...i, median_income: (i.median_income as number) * 1.5 }));
    const now = Date.now();
    await seedSamples(
      'california-housing',
      1,
      instances.map((features, i) => ({ id: `dashboard-before-${i}`, features, at: now - 90 * 60_000 })),
    );
    await seedSamples(
      'california-housing',
      1,
      shifted.map((features, i) => ({ id: `dashboard-after-${i}`, features, at: now - 10 * 60_000 })),
    );
    await seedComparisons(
      'california-housing',
      shifted.map((_, i) => `dashboard-after-${i}`),
      now - 10 * 60_000,
    );

    const html = await expectHtml(await fetchWorker('/models/california-housing?window=1h', { headers: adminHeaders }), 200);
    const drift = section(html, 'drift');
    expect(drift).toContain('data-attribution="ok"');
    expect(drift).toContain('What moved the predictions of version 1');
    expect(decodeHtml(drift)).toMatch(
      /Predictions rose by [0-9,.k]+ on average since the previous hour; median_income explains \+[0-9,.k]+ of it\./,
    );
    // One bar per feature (nine, under the top ten: no "others"), the first and only sizeable one median_income's, rising.
    const bars = [...drift.matchAll(/<rect class="bar (positive|negative|aggregate)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => ({
      side: m[1],
      title: decodeHtml(m[2]!),
    }));
    expect(bars).toHaveLength(manifestOf('california-housing', '1').features.length);
    expect(bars[0]).toMatchObject({ side: 'positive' });
    expect(bars[0]!.title).toMatch(/^median_income: \+/);
    expect(drift).toContain('role="img"');
    expect(drift).toContain(`${instances.length} logged instances of the previous window against ${instances.length} of this one`);

    const shadow = section(html, 'shadow');
    expect(shadow).toContain('data-attribution="ok"');
    expect(shadow).toContain('What makes version 2 predict differently from version 1');
    expect(decodeHtml(shadow)).toMatch(
      /Version 2's predictions are [0-9,.k]+ (higher|lower) than version 1's on average on the same requests; /,
    );
    expect(shadow).toContain('exact linear contributions → exact TreeSHAP');
  });

  it('says why instead of a chart when there is nothing logged to explain', async () => {
    await makePrimary('titanic', '1'); // bundled undeployed (models/deployments.json)
    const html = await expectHtml(await fetchWorker('/models/titanic?window=1h', { headers: adminHeaders }), 200);
    const drift = section(html, 'drift');
    expect(drift).toContain('data-attribution="insufficient_data"');
    expect(drift).toContain('Not enough logged traffic to say which features moved the predictions: No logged instances of version 1');
    expect(drift).not.toContain('What moved the predictions of version');
    expect(drift).not.toMatch(/<rect class="bar (positive|negative)"/);
  });
});

describe('dashboard: pages', () => {
  it('lists every model with its deployment and health on the home page', async () => {
    const html = await expectHtml(await fetchWorker('/', { headers: adminHeaders }), 200);
    for (const model of ['adult-income', 'california-housing']) {
      expect(html).toContain(`href="/models/${model}"`);
      expect(html).toContain(`data-model="${model}"`);
    }
    expect(html).toContain('version 1');
    expect(html).toMatch(/version 2 · 100% of requests mirrored/);
  });

  it('answers 404 with a page for an unknown model, and 400 for an unknown window', async () => {
    const missing = await expectHtml(await fetchWorker('/models/no-such-model', { headers: adminHeaders }), 404);
    expect(missing).toContain('No model named');
    expect(missing).toContain('adult-income');
    const escaped = await expectHtml(await fetchWorker(`/models/${encodeURIComponent('<b>x</b>')}`, { headers: adminHeaders }), 404);
    expect(escaped).toContain('&lt;b&gt;x&lt;/b&gt;');
    const window = await expectHtml(await fetchWorker('/models/adult-income?window=90m', { headers: adminHeaders }), 400);
    expect(window).toContain('?window=24h');
  });

  it('renders every section of a model page after predictions and feedback', { timeout: 60_000 }, async () => {
    const manifest = manifestOf('adult-income', '1');
    const instances = manifest.golden.map((g) => g.instance);
    const requestIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const requestId = `dashboard-test-${crypto.randomUUID()}`;
      const res = await postJson('/v1/models/adult-income/predict', { instances }, { 'x-request-id': requestId });
      expect(res.status).toBe(200);
      requestIds.push(requestId);
    }
    // Labels for every instance: the golden label, flipped for every fifth so the versions can differ.
    const items = requestIds.flatMap((id) =>
      manifest.golden.map((g, instance) => {
        const label = (g.expected as { label: string }).label;
        return { request_id: id, instance, label: instance % 5 === 0 ? (label === '>50K' ? '<=50K' : '>50K') : label };
      }),
    );
    expect((await postJson('/v1/models/adult-income/feedback', { items }, adminHeaders)).status).toBe(200);

    // Comparisons reach D1 through the queue (a batch every few seconds locally).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const report = (await (await fetchWorker('/v1/models/adult-income/reports/shadow?window=1h', { headers: adminHeaders })).json()) as {
        shadows: { requests: number; quality: { labelled_requests: number } }[];
      };
      if ((report.shadows[0]?.quality.labelled_requests ?? 0) >= instances.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await admin('/checks/run?model=adult-income', { method: 'POST' })).status).toBe(200);

    const html = await expectHtml(await fetchWorker('/models/adult-income?window=1h', { headers: adminHeaders }), 200);
    for (const id of ['deployment', 'health', 'shadow', 'canary', 'drift', 'quality', 'latency', 'score'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/data-verdict="(shadow_better|shadow_worse|no_significant_difference|insufficient_data)"/);
    expect(html).toContain('McNemar');
    expect(html).toContain('Shadow difference distribution');
    expect(html).toContain('Predictions: serving vs training');
    expect(html).toContain('AUC over time');
    expect(html).toContain('Latency by version');
    expect(html).toContain('28 tests');
    expect(html).toMatch(/data-final-score="[0-9.]+"/);
    expect((html.match(/data-test="[a-z]+_[1-7]"/g) ?? []).length).toBe(28);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    // The window selector links to every window, marking the current one.
    expect(html).toMatch(/href="\/models\/adult-income\?window=1h" aria-current="page"/);
    expect(html).toContain('href="/models/adult-income?window=7d"');
  });

  it('shows a running canary against the primary, after the regression shadow test', { timeout: 60_000 }, async () => {
    const before = await expectHtml(await fetchWorker('/models/california-housing?window=1h', { headers: adminHeaders }), 200);
    expect(before).toContain('paired z-test');
    expect(before).toContain('No canary is running');

    expect(
      (
        await adminJson('POST', '/models/california-housing/deployment', {
          action: 'canary',
          version: '2',
          percent: 50,
          reason: 'dashboard test',
        })
      ).status,
    ).toBe(200);
    const instances = manifestOf('california-housing', '1').golden.map((g) => g.instance);
    for (let i = 0; i < 16; i++) {
      expect(
        (await postJson('/v1/models/california-housing/predict', { instances }, { 'x-routing-key': `dashboard-user-${i}` })).status,
      ).toBe(200);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const report = (await (
        await fetchWorker('/v1/models/california-housing/reports/canary?window=1h', { headers: adminHeaders })
      ).json()) as { primary?: { instances: number }; candidate?: { instances: number } };
      if (((report.primary?.instances ?? 0) > 0 && (report.candidate?.instances ?? 0) > 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }

    const html = await expectHtml(await fetchWorker('/models/california-housing?window=1h', { headers: adminHeaders }), 200);
    expect(html).toContain('Version 2 receives 50% of routing keys');
    expect(html).toContain('Prediction distribution, canary version 2 vs primary version 1');
    expect(html).toMatch(/<rect class="bar series-1"/);
    expect(html).toContain('canary 50%');
    expect(html).toContain('This deployment has no shadow versions');
    expect(
      (await adminJson('POST', '/models/california-housing/deployment', { action: 'clear_canary', reason: 'dashboard test done' })).status,
    ).toBe(200);
  });
});

// Last: explaining an invalid instance starts after-response work outside any waitUntil (PredictionService.explain
// passes no background), which holds up this isolate's telemetry for the tests after it.
describe('dashboard: explaining an instance', () => {
  const golden = manifestOf('california-housing', '1').golden[0]!.instance as Record<string, unknown>;
  const sameSite = { origin: 'http://vigil.test', 'sec-fetch-site': 'same-origin' };

  async function explainForm(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetchWorker('/models/california-housing/explain', form(fields, { cookie: await signIn(), ...sameSite, ...headers }));
  }

  it('offers the form on the model page: the QA-passed versions, the primary selected, a golden instance to start from', async () => {
    const html = await expectHtml(await fetchWorker('/models/california-housing', { headers: adminHeaders }), 200);
    const explain = section(html, 'explain');
    expect(explain).toContain('<form method="post" action="/models/california-housing/explain"');
    expect(explain).toMatch(/<option value="1" selected="">v1 \(primary\)<\/option>/);
    expect(explain).toContain('<option value="2">v2</option>');
    expect(decodeHtml(explain)).toContain(JSON.stringify(golden, null, 2));
    expect(html).toContain('href="#explain"');
  });

  it('explains a golden instance: the prediction, each feature with its value and contribution, and the sum check', async () => {
    const html = await expectHtml(await explainForm({ instance: JSON.stringify(golden), version: '1' }), 200);
    const api = (await (await postJson('/v1/models/california-housing/versions/1/explain', { instances: [golden] })).json()) as {
      method: string;
      explanations: { prediction: { value: number }; explained: number[]; base_value: number[]; contributions: Record<string, number[]> }[];
    };
    const e = api.explanations[0]!;
    expect(html).toContain(`Version 1 predicts ${preciseNumber(e.prediction.value)}`);
    expect(html).toContain('Exact linear contributions');
    for (const [feature, value] of Object.entries(golden)) {
      const row = new RegExp(
        `<tr data-feature="${feature}"><th scope="row">${feature}</th><td>([^<]*)</td><td class="num">([^<]*)</td>`,
      ).exec(html);
      expect(row, `a table row for ${feature}`).not.toBeNull();
      expect(decodeHtml(row![1]!)).toBe(JSON.stringify(value));
      const contribution = e.contributions[feature]![0]!;
      expect(row![2]).toBe(`${contribution > 0 ? '+' : ''}${preciseNumber(contribution)}`);
    }
    // The chart names each feature beside the instance's value, largest contribution first.
    const titles = [...html.matchAll(/<rect class="bar (?:positive|negative)"[^>]*><title>([^<]*)<\/title>/g)].map((m) =>
      decodeHtml(m[1]!),
    );
    const largest = Object.entries(e.contributions).sort((a, b) => Math.abs(b[1][0]!) - Math.abs(a[1][0]!))[0]![0];
    expect(titles).toHaveLength(Object.keys(golden).length);
    expect(titles[0]).toMatch(new RegExp(`^${largest} = `));
    expect(titles.filter((t) => t.startsWith('ocean_proximity = NEAR BAY: ') || t.startsWith('median_income = 8.33: '))).toHaveLength(2);
    expect(html).toContain('data-sum-check="ok"');
    expect(html).toContain(`base value ${preciseNumber(e.base_value[0]!)}`);
    expect(html).toContain(`explained ${preciseNumber(e.explained[0]!)}`);
    // The form again, filled with what was posted.
    expect(decodeHtml(section(html, 'explain'))).toContain(JSON.stringify(golden));
  });

  it("answers 400 with the parser's message when the instance is not JSON", async () => {
    const html = await expectHtml(await explainForm({ instance: '{"median_income": 8.3,', version: '1' }), 400);
    expect(html).toContain('The instance is not JSON');
    expect(html).toMatch(/<li data-field="instance"><code>instance<\/code>: not valid JSON: [^<]+<\/li>/);
    expect(decodeHtml(html)).toContain('{"median_income": 8.3,</textarea>');
    const empty = await expectHtml(await explainForm({ instance: '   ', version: '1' }), 400);
    expect(empty).toContain('data-field="instance"');
  });

  it('answers 400 naming each invalid field, and 404 for a version that does not exist', async () => {
    const { median_income: _dropped, ...missing } = golden;
    const html = await expectHtml(
      await explainForm({ instance: JSON.stringify({ ...missing, housing_median_age: 'old' }), version: '1' }),
      400,
    );
    expect(html).toContain('This instance is not valid for the model');
    expect(html).toMatch(/<li data-field="housing_median_age"><code>housing_median_age<\/code>: [^<]+<\/li>/);
    expect(html).toMatch(/<li data-field="median_income"><code>median_income<\/code>: [^<]+<\/li>/);
    const version = await expectHtml(await explainForm({ instance: JSON.stringify(golden), version: 'two' }), 400);
    expect(version).toContain('data-field="version"');
    const missingVersion = await expectHtml(await explainForm({ instance: JSON.stringify(golden), version: '99' }), 404);
    expect(missingVersion).toContain('The instance could not be explained');
    const unknownModel = await fetchWorker(
      '/models/no-such-model/explain',
      form({ instance: JSON.stringify(golden) }, { cookie: await signIn(), ...sameSite }),
    );
    expect(await expectHtml(unknownModel, 404)).toContain('No model named');
  });

  it('refuses without a session like the model page, and sends a signed-in GET to the form', async () => {
    const res = await fetchWorker('/models/california-housing/explain', form({ instance: JSON.stringify(golden), version: '1' }, sameSite));
    expectLoginForm(await expectHtml(res, 401));
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    const stale = await fetchWorker(
      '/models/california-housing/explain',
      form({ instance: JSON.stringify(golden) }, { cookie: `${SESSION_COOKIE}=${await sessionValue('an-old-token')}`, ...sameSite }),
    );
    expect(await expectHtml(stale, 401)).toContain('name="next" value="/models/california-housing/explain"');
    const get = await fetchWorker('/models/california-housing/explain', { headers: { cookie: await signIn() }, redirect: 'manual' });
    expect(get.status).toBe(303);
    expect(get.headers.get('location')).toBe('/models/california-housing#explain');
    expect((await fetchWorker('/models/california-housing/explain')).status).toBe(401);
  });

  it('refuses explain forms posted from another site, and forms that are too large', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://vigil.test' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const res = await fetchWorker(
        '/models/california-housing/explain',
        form({ instance: JSON.stringify(golden), version: '1' }, { cookie: await signIn(), ...headers }),
      );
      expect(await expectHtml(res, 403)).toContain('Cross-site form refused');
    }
    const huge = await explainForm({ instance: JSON.stringify({ ...golden, padding: 'x'.repeat(80 * 1024) }), version: '1' });
    await expectHtml(huge, 413);
  });
});
