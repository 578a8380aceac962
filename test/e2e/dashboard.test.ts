/**
 * The dashboard in a real browser: a Worker of its own under `wrangler dev`, labelled traffic for both demo
 * models, a health-check run, then headless Chromium signs in through the form and reads the pages, at
 * desktop and phone width. Screenshots go to test-results/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startDevWorker, type DevWorker } from './dev-worker.ts';
import { bundledManifest, labelledTraffic } from './traffic.ts';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = join(REPO_ROOT, 'test-results');
const MODELS = ['adult-income', 'california-housing'] as const;
const ROWS = 300;
const BATCH = 50;

let worker: DevWorker;
let browser: Browser;

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const res = await fetch(`${worker.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${worker.adminToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Predictions with request ids, then their labels as feedback; every primary prediction is logged. */
async function sendTraffic(model: string): Promise<void> {
  await api(`/admin/models/${model}/deployment`, {
    method: 'POST',
    body: { action: 'sampling', sample_rate: 1, reason: 'e2e: log every prediction so feedback joins' },
  });
  const rows = labelledTraffic(bundledManifest(model, '1'), ROWS, model.length);
  const feedback: { request_id: string; instance: number; label: string | number }[] = [];
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    const requestId = `e2e-${model}-${start / BATCH}`;
    await api(`/v1/models/${model}/predict`, {
      method: 'POST',
      body: { instances: batch.map((r) => r.instance) },
      headers: { 'x-request-id': requestId },
    });
    batch.forEach((r, instance) => feedback.push({ request_id: requestId, instance, label: r.label }));
  }
  await api(`/v1/models/${model}/feedback`, { method: 'POST', body: { items: feedback } });
}

/**
 * A report while the telemetry Worker writes: locally both Workers' processes share one SQLite file, and a read
 * that meets a write in progress answers 503 with Retry-After (as a D1 fault does in production); ask again.
 */
async function report<T>(path: string): Promise<T | null> {
  const res = await fetch(`${worker.url}${path}`, { headers: { authorization: `Bearer ${worker.adminToken}` } });
  if (res.status === 503 && res.headers.get('retry-after')) return null;
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Telemetry reaches D1 through the local queue (a batch every few seconds): wait until the reports see it. */
async function awaitTelemetry(model: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const shadow = await report<{ shadows: { requests: number; quality: { labelled_requests: number } }[] }>(
      `/v1/models/${model}/reports/shadow?window=1h`,
    );
    const quality = await report<{ overall: { labelled: number } }>(`/v1/models/${model}/reports/quality?window=1h`);
    if (!shadow || !quality) {
      last = 'a report answered 503 while telemetry was being written';
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    const s = shadow.shadows[0];
    last = `shadow requests ${s?.requests}, paired labels ${s?.quality.labelled_requests}, labelled samples ${quality.overall.labelled}`;
    if (s && s.requests >= ROWS && s.quality.labelled_requests >= ROWS && quality.overall.labelled >= ROWS) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const failures = worker
    .output()
    .split('\n')
    .filter((l) => /"level":"(warn|error)"/.test(l))
    .slice(-5)
    .join('\n');
  throw new Error(`telemetry of ${model} did not reach D1 in ${timeoutMs} ms (${last})\n${failures}`);
}

async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(innerWidth);
}

/** Set when the browser is missing: the test then fails with this message (a missing browser is not a skip). */
let missingChromium: string | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    missingChromium =
      `Chromium is not installed at ${CHROMIUM_PATH}: install the Debian package \`chromium\` ` +
      '(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary';
    return;
  }
  mkdirSync(RESULTS, { recursive: true });
  const [started, launched] = await Promise.all([
    // Locally both workerd processes open one SQLite file, so a telemetry write sometimes meets a read's lock
    // (SQLITE_BUSY) and is retried: after 1 s doubling here, not production's 30 s, which outlasts the wait below.
    startDevWorker({ vars: { TELEMETRY_FLUSH_MS: '0', DEPLOYMENT_CACHE_SECONDS: '0' }, telemetryVars: { TELEMETRY_RETRY_SECONDS: '1' } }),
    chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  worker = started;
  browser = launched;
  await Promise.all(MODELS.map(sendTraffic));
  await Promise.all(MODELS.map((m) => awaitTelemetry(m)));
  await api('/admin/checks/run?window=1h', { method: 'POST' });
}, 110_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

describe('dashboard in Chromium', () => {
  it('signs in through the form, shows every model, the shadow verdict, charts and the score card, and fits a phone', async () => {
    if (missingChromium) throw new Error(missingChromium);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Everything the pages need comes from the Worker: fail on any request elsewhere.
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(worker.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });

    const denied = await page.goto(`${worker.url}/`);
    expect(denied?.status()).toBe(401);
    await page.fill('#token', `not-${worker.adminToken}`);
    await Promise.all([page.waitForLoadState(), page.click('button[type=submit]')]);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('not the admin token');

    await page.fill('#token', worker.adminToken);
    await Promise.all([page.waitForURL(`${worker.url}/`), page.click('button[type=submit]')]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'vigil_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(session?.value).not.toContain(worker.adminToken);

    // Home: both demo models, their deployments and health at a glance.
    await expect(page.locator('h1').textContent()).resolves.toBe('Models');
    for (const model of MODELS) {
      const card = page.locator(`[data-model="${model}"]`);
      await expect(card.locator('h2 a').textContent()).resolves.toBe(model);
      const deployment = (await card.locator('.deployment').innerText()).replace(/\s+/g, ' ');
      expect(deployment).toContain('Primary version 1');
      expect(deployment).toContain('Shadows version 2 · 100% of requests mirrored');
      const checks = card.locator('li[data-check]');
      expect(await checks.count()).toBeGreaterThanOrEqual(8);
      for (const text of await checks.allInnerTexts()) expect(text).toMatch(/(pass|warn|fail|insufficient data)$/);
    }
    expect(await page.content()).not.toContain(worker.adminToken);
    await page.screenshot({ path: join(RESULTS, 'dashboard-home.png'), fullPage: true });

    // Model page: verdict of the paired test, charts, score card.
    await Promise.all([page.waitForURL(`${worker.url}/models/adult-income`), page.click('[data-model="adult-income"] h2 a')]);
    const verdict = page.locator('#shadow [data-verdict]');
    await expect(verdict.getAttribute('data-verdict')).resolves.toMatch(/^(shadow_better|shadow_worse|no_significant_difference)$/);
    await expect(verdict.innerText()).resolves.toMatch(/Version 2 (is better than|is worse than)|No significant difference/);
    await expect(verdict.innerText()).resolves.toContain("McNemar's test");
    const chartTitles = await page.locator('svg.chart > title').allTextContents();
    for (const title of [
      'Shadow difference distribution',
      'Predictions: serving vs training',
      'AUC over time',
      'AUC by sex',
      'Latency by version',
    ]) {
      expect(
        chartTitles.some((t) => t.startsWith(title)),
        `a chart titled "${title}" among ${chartTitles.join(' | ')}`,
      ).toBe(true);
    }
    expect(await page.locator('#shadow svg.chart rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('#quality svg.chart circle.point').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(8);

    const score = page.locator('#score');
    await expect(score.innerText()).resolves.toContain('28 tests');
    expect(await score.locator('tr[data-test]').count()).toBe(28);
    const finalScore = Number(await score.locator('[data-final-score]').getAttribute('data-final-score'));
    expect(finalScore).toBeGreaterThanOrEqual(0);
    expect(finalScore).toBeLessThanOrEqual(7);
    await expect(score.locator('.score-final').innerText()).resolves.toMatch(/^\d+(\.\d)?\s+final score/);
    await page.screenshot({ path: join(RESULTS, 'dashboard-model.png'), fullPage: true });

    // The window selector is links; the regression model's page renders too.
    await Promise.all([page.waitForURL(/window=7d$/), page.click('.window-nav a:text-is("7d")')]);
    await expect(page.locator('.window-nav a[aria-current=page]').textContent()).resolves.toBe('7d');
    const housing = await page.goto(`${worker.url}/models/california-housing?window=1h`);
    expect(housing?.status()).toBe(200);
    await expect(page.locator('#shadow [data-verdict]').getAttribute('data-verdict')).resolves.toMatch(
      /^(shadow_better|shadow_worse|no_significant_difference)$/,
    );
    await expect(page.locator('#shadow').innerText()).resolves.toContain('paired z-test');
    expect(await page.locator('#drift [data-attribution]').count()).toBe(1);

    // Explain an instance from the model page's form: a bar per feature, and contributions that add up.
    const instance = bundledManifest('california-housing', '1').golden[0]!.instance;
    await page.fill('#explain-instance', JSON.stringify(instance, null, 2));
    await page.selectOption('#explain-version', '1');
    await Promise.all([page.waitForURL(`${worker.url}/models/california-housing/explain`), page.click('#explain button[type=submit]')]);
    await expect(page.locator('#explanation h1').innerText()).resolves.toMatch(/^Version 1 predicts [0-9,.]+$/);
    expect(await page.locator('#explanation svg.chart rect.bar').count()).toBe(Object.keys(instance).length);
    await expect(page.locator('#explanation svg.chart > title').textContent()).resolves.toBe("Contributions to version 1's prediction");
    await expect(page.locator('[data-sum-check]').getAttribute('data-sum-check')).resolves.toBe('ok');
    await page.screenshot({ path: join(RESULTS, 'dashboard-explain.png'), fullPage: true });

    // Phone width: no horizontal scrolling of the page (tables scroll inside their own boxes).
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/', '/models/adult-income', '/models/california-housing']) {
      await page.goto(`${worker.url}${path}`);
      await expectNoHorizontalOverflow(page);
    }
    await page.goto(`${worker.url}/models/adult-income`);
    await page.screenshot({ path: join(RESULTS, 'dashboard-model-phone.png'), fullPage: true });

    // Signing out ends the session.
    await Promise.all([page.waitForURL(`${worker.url}/login`), page.click('form[action="/logout"] button')]);
    const after = await page.goto(`${worker.url}/`);
    expect(after?.status()).toBe(401);
    expect(foreign).toEqual([]);
    await context.close();
  });
});
