/**
 * The dashboard's sign-in form, the page shown while ADMIN_TOKEN is not configured, and the page for
 * dashboard errors (unknown model, bad parameter). None of them ever contains the token.
 */
import type { Child } from 'hono/jsx';
import { Layout } from './layout.tsx';

export interface LoginPageProps {
  /** Why the form is shown again (wrong token, expired session). */
  error?: string;
  /** Where to go after signing in (a path on this dashboard). */
  next?: string;
}

export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in" crumbs={[{ label: 'Sign in' }]}>
      <section class="card login" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Vigil</h1>
        <p class="lede">
          The dashboard uses the service's admin token (the <code>ADMIN_TOKEN</code> secret).
        </p>
        {props.error ? (
          <p class="alert" role="alert" id="login-error">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/login">
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            required
            autofocus
            aria-describedby={props.error ? 'login-error' : undefined}
          />
          {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
          <button class="button" type="submit">
            Sign in
          </button>
        </form>
        <p class="note">
          Signing in sets an HttpOnly session cookie derived from the token; rotating the token signs everyone out. Scripts can send{' '}
          <code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code> instead.
        </p>
      </section>
    </Layout>
  );
}

export function DisabledPage(props: { tooShort?: boolean } = {}) {
  return (
    <Layout title="Dashboard disabled" crumbs={[{ label: 'Disabled' }]}>
      <section class="card login" aria-labelledby="disabled-title">
        <h1 id="disabled-title">The dashboard is closed</h1>
        {props.tooShort ? (
          <p>
            The <code>ADMIN_TOKEN</code> is shorter than 16 characters, which could be guessed, so the dashboard, reports and admin API stay
            closed.
          </p>
        ) : (
          <p>
            No <code>ADMIN_TOKEN</code> is configured, so the dashboard, reports and admin API stay closed rather than open to anyone.
          </p>
        )}
        <h2>Set the token</h2>
        <ul>
          <li>
            In production: <code>wrangler secret put ADMIN_TOKEN</code>
          </li>
          <li>
            Locally: add <code>ADMIN_TOKEN=&lt;a long random string&gt;</code> to <code>.dev.vars</code> and restart <code>npm start</code>
          </li>
        </ul>
        <p class="note">Then sign in here with that token.</p>
      </section>
    </Layout>
  );
}

export function MessagePage(props: { title: string; heading: string; signedIn?: boolean; children?: Child }) {
  return (
    <Layout title={props.title} crumbs={[{ label: props.title }]} signedIn={props.signedIn}>
      <section class="card" aria-labelledby="message-title">
        <h1 id="message-title">{props.heading}</h1>
        {props.children}
        <p>
          <a href="/">Back to all models</a>
        </p>
      </section>
    </Layout>
  );
}
