/**
 * The page shell of the dashboard: document head with the inlined stylesheet, the top bar with breadcrumbs
 * and sign-out, and the footer. Pages render to a complete HTML document with `renderPage`.
 */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { VIGIL_VERSION } from '../../version.ts';
import { DASHBOARD_CSS } from './styles.ts';

export interface Crumb {
  label: string;
  href?: string;
}

export interface LayoutProps {
  title: string;
  crumbs?: readonly Crumb[];
  /** Shows the sign-out button (the visitor holds a valid credential). */
  signedIn?: boolean;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const crumbs = props.crumbs ?? [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="color-scheme" content="light" />
        <link rel="icon" href="data:," />
        <title>{`${props.title} · Vigil`}</title>
        <style>{raw(DASHBOARD_CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="bar">
            <a class="brand" href="/">
              <span class="brand-mark" aria-hidden="true"></span>Vigil
            </a>
            {crumbs.length > 0 ? (
              <nav class="crumbs" aria-label="Breadcrumb">
                {crumbs.map((c, i) => (
                  <>
                    <span aria-hidden="true">/</span>
                    {c.href && i < crumbs.length - 1 ? (
                      <a href={c.href}>{c.label}</a>
                    ) : (
                      <span aria-current={i === crumbs.length - 1 ? 'page' : undefined}>{c.label}</span>
                    )}
                  </>
                ))}
              </nav>
            ) : null}
            <div class="top-actions">
              <a href="/docs">API</a>
              {props.signedIn ? (
                <form method="post" action="/logout">
                  <button class="link-button" type="submit">
                    Sign out
                  </button>
                </form>
              ) : null}
            </div>
          </div>
        </header>
        <main id="main">{props.children}</main>
        <footer>
          Vigil {VIGIL_VERSION} · server-rendered, no scripts · <a href="/openapi.json">OpenAPI</a>
        </footer>
      </body>
    </html>
  );
}

/** A complete HTML document for `node` (a rendered page element). */
export function renderPage(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
