/**
 * The dashboard (admin token): `GET /` lists every model with its deployment and health, `GET /models/{model}`
 * renders a model's reports with server-side SVG charts (`?window=1h|24h|7d`), and its form posts one instance
 * to `POST /models/{model}/explain`, which shows each feature's contribution. Browsers sign in with the form
 * at `/login`, which sets an HttpOnly, SameSite=Strict session cookie holding an HMAC of the token (never the
 * token); scripts send `Authorization: Bearer <ADMIN_TOKEN>`. Pages carry no scripts and load nothing from
 * elsewhere, so they work offline and under a strict Content-Security-Policy.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { VigilError } from '../errors.ts';
import { canaryReport } from '../reports/canary-report.ts';
import { driftReport } from '../reports/drift-report.ts';
import { qualityReport } from '../reports/quality-report.ts';
import { shadowReport } from '../reports/shadow-report.ts';
import { ExplainPage, explainableVersions, type ExplainFormProps, type ExplainOutcome } from '../reports/views/explain-view.tsx';
import { HomePage } from '../reports/views/home-page.tsx';
import { renderPage } from '../reports/views/layout.tsx';
import { DisabledPage, LoginPage, MessagePage } from '../reports/views/login-page.tsx';
import { ModelPage } from '../reports/views/model-page.tsx';
import { DASHBOARD_WINDOWS, type ModelOverview, type ModelPageData, type ScoreReport } from '../reports/views/types.ts';
import { adminCredential, SESSION_COOKIE, SESSION_LIFETIME_SECONDS, sessionValue } from './admin-auth.ts';
import { LoginThrottle } from './login-throttle.ts';
import { parseWindowMinutes } from './admin-schemas.ts';
import { adminToken, timingSafeEqualString } from './auth.ts';
import type { AppEnv, Services } from './context.ts';
import {
  DashboardQuerySchema,
  EXPLAIN_FORM_MAX_BYTES,
  ExplainFormSchema,
  LoginFormSchema,
  NextPathSchema,
  parseInstanceJson,
} from './dashboard-schemas.ts';
import { buildReport, reportDeps, reportScope } from './reports.ts';

interface DashboardEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { signedIn: boolean };
}

type DashboardContext = Context<DashboardEnv>;

/** Scripts, frames, remote styles and images are refused: the pages need only their inline stylesheet. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Failed sign-ins from one address this isolate answers before it asks the address to wait (429). */
const loginThrottle = new LoginThrottle({ maxFailures: 10, windowMs: 15 * 60_000, capacity: 10_000 });

function clientAddress(c: DashboardContext): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

function disabledPage(c: DashboardContext): Response {
  return page(c, <DisabledPage tooShort={(c.env.ADMIN_TOKEN ?? '').trim() !== ''} />, 503);
}

function page(c: DashboardContext, node: unknown, status: 200 | 400 | 401 | 403 | 404 | 413 | 429 | 500 | 503 = 200): Response {
  c.header('content-security-policy', CONTENT_SECURITY_POLICY);
  c.header('x-content-type-options', 'nosniff');
  c.header('x-frame-options', 'DENY');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own form posts.
  c.header('referrer-policy', 'same-origin');
  c.header('cache-control', 'no-store');
  return c.html(renderPage(node), status);
}

function isHttps(c: DashboardContext): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

function cookieOptions(c: DashboardContext) {
  return { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) } as const;
}

/** The path to come back to after signing in, when it is a path of this dashboard. */
function safeNext(value: unknown): string | undefined {
  const parsed = NextPathSchema.safeParse(value);
  return parsed.success && parsed.data !== '/login' ? parsed.data : undefined;
}

/**
 * Form posts from other sites are refused (login CSRF): a browser says where a form came from in
 * Sec-Fetch-Site, or at least in Origin, and it must be this site. Clients that send neither (curl, scripts)
 * are not a browser acting for someone else.
 */
const sameOrigin = createMiddleware<DashboardEnv>(async (c, next) => {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  const allowed =
    site !== undefined ? site === 'same-origin' || site === 'none' : origin === undefined || origin === new URL(c.req.url).origin;
  if (!allowed) {
    const refused = (
      <MessagePage title="Refused" heading="Cross-site form refused">
        <p>This form can only be posted from the dashboard itself.</p>
      </MessagePage>
    );
    return page(c, refused, 403);
  }
  await next();
});

/** Admits a valid bearer token or session cookie; otherwise answers with the sign-in form (401) or 503. */
const dashboardAuth = createMiddleware<DashboardEnv>(async (c, next) => {
  const authorization = c.req.header('authorization');
  const cookie = getCookie(c, SESSION_COOKIE);
  const credential = await adminCredential(c.env.ADMIN_TOKEN, authorization, cookie);
  if (credential === 'disabled') return disabledPage(c);
  if (credential !== 'ok') {
    let error: string | undefined;
    if (credential === 'invalid') {
      if (authorization !== undefined) error = 'The bearer token sent with this request is not the admin token.';
      else {
        error = 'Your session has ended. Sign in again.';
        deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
      }
    }
    c.header('www-authenticate', 'Bearer realm="vigil"');
    return page(c, <LoginPage error={error} next={safeNext(c.req.path + (new URL(c.req.url).search || ''))} />, 401);
  }
  c.set('signedIn', authorization === undefined && cookie !== undefined);
  await next();
});

async function modelOverview(services: Services, model: string): Promise<ModelOverview> {
  const [deployment, versions, checks] = await Promise.all([
    services.deployments.current(model),
    services.registry.summaries(model),
    services.monitor.latest(model),
  ]);
  const shown = deployment?.primary ?? versions[versions.length - 1]?.version;
  const manifest = shown === undefined ? null : ((await services.registry.get(model, shown))?.manifest ?? null);
  return { model, manifest, deployment, versions, checks };
}

function isScoreReport(report: unknown): report is ScoreReport {
  return typeof report === 'object' && report !== null && 'sections' in report && 'final_score' in report;
}

async function modelPageData(
  services: Services,
  alertsConfigured: boolean,
  model: string,
  window: ModelPageData['window'],
): Promise<ModelPageData> {
  const overview = await modelOverview(services, model);
  const [events, versionFacts] = await Promise.all([
    services.deployments.events(model, 10),
    Promise.all(
      overview.versions.map(async (v) => {
        const m = (await services.registry.get(model, v.version))?.manifest;
        const metric = m?.training.metrics.primary ?? '';
        return [
          v.version,
          { algorithm: m?.training.algorithm, metric, value: m?.training.metrics.overall[metric], trainedAt: m?.training.trained_at },
        ] as const;
      }),
    ).then((entries) => new Map(entries)),
  ]);
  if (!overview.deployment) return { ...overview, window, events, versionFacts, reports: null };

  const minutes = parseWindowMinutes(window);
  const deps = reportDeps(services, alertsConfigured);
  const scope = await reportScope(services, model, minutes);
  const [shadow, canary, drift, quality, score] = await Promise.all([
    shadowReport(deps, scope),
    canaryReport(deps, scope),
    driftReport(deps, scope),
    qualityReport(deps, scope),
    buildReport('score', services, alertsConfigured, model, minutes),
  ]);
  if (!isScoreReport(score)) throw new Error('the score report has an unexpected shape');
  return { ...overview, manifest: scope.primary, window, events, versionFacts, reports: { shadow, canary, drift, quality, score } };
}

function unknownModel(c: DashboardContext, model: string, models: readonly string[]): Response {
  const notFound = (
    <MessagePage title="Not found" heading={`No model named “${model}”`} signedIn={c.get('signedIn')}>
      <p>{models.length ? `Vigil serves ${models.join(', ')}.` : 'Vigil serves no models yet.'}</p>
    </MessagePage>
  );
  return page(c, notFound, 404);
}

/** The explain form as it was posted: the versions that passed QA (newest first), the primary, the visitor's text. */
async function explainForm(
  services: Services,
  model: string,
  instanceText: string,
  version: string | undefined,
): Promise<ExplainFormProps> {
  const [deployment, versions] = await Promise.all([services.deployments.current(model), services.registry.summaries(model)]);
  const explainable = explainableVersions(versions);
  const primary = deployment?.primary;
  return {
    model,
    versions: explainable,
    primary,
    selected: version !== undefined && explainable.includes(version) ? version : primary,
    instanceText,
  };
}

/** A client's mistake as the explain page shows it; 404 stays 404, every other refusal is a 400. */
function explainProblem(error: VigilError): { outcome: ExplainOutcome; status: 400 | 404 } {
  const invalid = error.code === 'invalid_instance';
  return {
    outcome: {
      ok: false,
      heading: invalid ? 'This instance is not valid for the model' : 'The instance could not be explained',
      message: invalid ? 'Fix these fields and explain again:' : error.message,
      problems: error.details.map((d) => ({ field: d.field, message: d.message })),
    },
    status: error.status === 404 ? 404 : 400,
  };
}

export function dashboardRoutes(): Hono<AppEnv> {
  const app = new Hono<DashboardEnv>();

  app.get('/login', async (c) => {
    const credential = await adminCredential(c.env.ADMIN_TOKEN, undefined, getCookie(c, SESSION_COOKIE));
    if (credential === 'disabled') return disabledPage(c);
    const next = safeNext(c.req.query('next'));
    if (credential === 'ok') return c.redirect(next ?? '/', 303);
    return page(c, <LoginPage next={next} />);
  });

  app.post(
    '/login',
    sameOrigin,
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => page(c, <LoginPage error="The form was too large." />, 413) }),
    async (c) => {
      const configured = adminToken(c.env.ADMIN_TOKEN);
      if (configured === undefined) return disabledPage(c);
      const address = clientAddress(c);
      const wait = loginThrottle.retryAfterSeconds(address, Date.now());
      if (wait > 0) {
        c.header('retry-after', String(wait));
        return page(
          c,
          <LoginPage error={`Too many failed sign-ins from this address; try again in ${Math.ceil(wait / 60)} minutes.`} />,
          429,
        );
      }
      let body: Record<string, unknown> = {};
      try {
        body = (await c.req.parseBody()) as Record<string, unknown>;
      } catch {
        // A malformed form is a wrong sign-in, not a server error.
      }
      const form = LoginFormSchema.safeParse({ token: typeof body.token === 'string' ? body.token : '', next: safeNext(body.next) });
      const token = form.success ? form.data.token.trim() : '';
      const next = form.success ? form.data.next : undefined;
      if (token === '' || !timingSafeEqualString(token, configured)) {
        loginThrottle.failed(address, Date.now());
        return page(c, <LoginPage error={token === '' ? 'Enter the admin token.' : 'That is not the admin token.'} next={next} />, 401);
      }
      loginThrottle.succeeded(address);
      setCookie(c, SESSION_COOKIE, await sessionValue(configured), { ...cookieOptions(c), maxAge: SESSION_LIFETIME_SECONDS });
      return c.redirect(next ?? '/', 303);
    },
  );

  app.post('/logout', sameOrigin, (c) => {
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    return c.redirect('/login', 303);
  });

  app.get('/', dashboardAuth, async (c) => {
    const { services } = c.var;
    const models = await services.registry.models();
    const overviews = await Promise.all(models.map((m) => modelOverview(services, m)));
    return page(c, <HomePage models={overviews} signedIn={c.get('signedIn')} />);
  });

  app.get('/models', dashboardAuth, (c) => c.redirect('/', 303));

  app.get('/models/:model', dashboardAuth, async (c) => {
    const { services } = c.var;
    const model = c.req.param('model');
    const query = DashboardQuerySchema.safeParse(c.req.query());
    if (!query.success) {
      const links = DASHBOARD_WINDOWS.map((w, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={`/models/${encodeURIComponent(model)}?window=${w}`}>{w}</a>
        </>
      ));
      const badWindow = (
        <MessagePage title="Bad window" heading="Unknown report window" signedIn={c.get('signedIn')}>
          <p>Choose one of {links}.</p>
        </MessagePage>
      );
      return page(c, badWindow, 400);
    }
    const models = await services.registry.models();
    if (!models.includes(model)) return unknownModel(c, model, models);
    const data = await modelPageData(services, Boolean(c.env.ALERT_WEBHOOK_URL), model, query.data.window);
    return page(c, <ModelPage data={data} signedIn={c.get('signedIn')} />);
  });

  // The form lives on the model page; this address is where signing in returns to after an expired session.
  app.get('/models/:model/explain', dashboardAuth, (c) => c.redirect(`/models/${encodeURIComponent(c.req.param('model'))}#explain`, 303));

  app.post(
    '/models/:model/explain',
    sameOrigin,
    dashboardAuth,
    bodyLimit({
      maxSize: EXPLAIN_FORM_MAX_BYTES,
      onError: (c) => {
        const tooLarge = (
          <MessagePage title="Too large" heading="The form was too large" signedIn={c.get('signedIn')}>
            <p>Paste one instance of at most {EXPLAIN_FORM_MAX_BYTES / 1024} KiB.</p>
          </MessagePage>
        );
        return page(c, tooLarge, 413);
      },
    }),
    async (c) => {
      const { services } = c.var;
      const model = c.req.param('model');
      const models = await services.registry.models();
      if (!models.includes(model)) return unknownModel(c, model, models);
      let body: Record<string, unknown> = {};
      try {
        body = (await c.req.parseBody()) as Record<string, unknown>;
      } catch {
        // A malformed form is an empty one: the form says what is missing.
      }
      const instanceText = typeof body.instance === 'string' ? body.instance : '';
      const form = ExplainFormSchema.safeParse({
        instance: instanceText,
        version: typeof body.version === 'string' && body.version !== '' ? body.version : undefined,
      });
      const shown = await explainForm(services, model, instanceText, form.success ? form.data.version : undefined);
      const answer = (outcome: ExplainOutcome, status: 200 | 400 | 404 = 200) =>
        page(c, <ExplainPage form={shown} outcome={outcome} signedIn={c.get('signedIn')} />, status);
      if (!form.success) {
        const problems = form.error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || 'form', message: issue.message }));
        return answer({ ok: false, heading: 'The form is not complete', message: 'Fix these fields and explain again:', problems }, 400);
      }
      const parsed = parseInstanceJson(form.data.instance);
      if (!parsed.ok)
        return answer(
          {
            ok: false,
            heading: 'The instance is not JSON',
            message: 'Paste one instance as a JSON object of feature values.',
            problems: [{ field: 'instance', message: parsed.message }],
          },
          400,
        );
      try {
        const result = await services.predictions.explain({
          model,
          ...(form.data.version !== undefined ? { version: form.data.version } : {}),
          instances: [parsed.instance],
          requestId: c.get('requestId'),
        });
        return answer({ ok: true, result, instance: parsed.instance });
      } catch (error) {
        if (!(error instanceof VigilError) || error.status >= 500) throw error;
        const { outcome, status } = explainProblem(error);
        return answer(outcome, status);
      }
    },
  );

  // Dashboard errors are pages, not JSON: a client mistake keeps its 4xx, anything else is logged.
  app.onError((error, c) => {
    if (error instanceof VigilError) {
      const status = error.status === 405 || error.status === 409 || error.status === 415 || error.status === 422 ? 400 : error.status;
      return page(c, <MessagePage title="Error" heading={error.message} />, status);
    }
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'dashboard page failed',
        path: c.req.path,
        requestId: c.get('requestId'),
        error: String(error),
        stack: error instanceof Error ? error.stack : undefined,
      }),
    );
    const failed = (
      <MessagePage title="Error" heading="This page could not be rendered">
        <p>The error has been logged{c.get('requestId') ? ` with request id ${c.get('requestId')}` : ''}.</p>
      </MessagePage>
    );
    return page(c, failed, 500);
  });

  return app as unknown as Hono<AppEnv>;
}
