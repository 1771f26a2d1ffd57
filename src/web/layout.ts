import { html, SafeHtml } from './html';

/** The page frame and the small pages (sign-in needed, errors, signed in), all self-contained. */

const STYLE = `
  :root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #d9dde6; --accent: #2f5bd3;
    --ok: #1d7a46; --bad: #b3261e; --warn: #8a5a00; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: #f5f6f9; }
  header { background: #1d2433; color: #fff; padding: 12px 24px; display: flex; justify-content: space-between; }
  header a { color: #fff; text-decoration: none; font-weight: 600; }
  main { max-width: 980px; margin: 0 auto; padding: 16px 24px 48px; } main.wide { max-width: 1400px; }
  nav a { color: #cfd6e6; margin-right: 16px; text-decoration: none; } nav a[aria-current] { color: #fff; text-decoration: underline; }
  .filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
  .state { font-weight: 600; } .state-running { color: var(--ok); } .state-stopped { color: var(--muted); }
  .clusters td, .clusters th { font-size: 14px; } form.inline { display: inline; }
  button.stop { background: var(--bad); } button.start, button.keep { background: var(--ok); }
  button.filter, button.pause, button.unpause { background: var(--accent); } button[disabled] { opacity: .5; cursor: not-allowed; }
  .keep-alive-form form { display: flex; flex-direction: column; gap: 4px; min-width: 220px; }
  fieldset { border: 1px solid var(--line); padding: 4px 8px; } .steps { margin: 0; padding-left: 0; list-style: none; font-family: ui-monospace, monospace; font-size: 13px; }
  .card > h2 { margin-top: 0; } .calendar { display: grid; grid-template-columns: repeat(7, 1fr); gap: 8px; margin-top: 12px; } .calendar .day { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; font-size: 13px; }
  h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 18px; margin: 28px 0 12px; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
  .card h3 { margin: 0 0 8px; font-size: 17px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
  dt { color: var(--muted); } dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  code, .diff td { font-family: ui-monospace, monospace; font-size: 13px; }
  .before { color: var(--bad); } .after { color: var(--ok); }
  .note { color: var(--warn); } .muted { color: var(--muted); }
  .flash { background: #e8f4ec; border: 1px solid #b5dcc3; padding: 10px 14px; border-radius: 6px; }
  .problem { background: #fdecea; border: 1px solid #f3b8b3; padding: 10px 14px; border-radius: 6px; }
  .decide { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 12px; }
  .decide form { flex: 1 1 280px; display: flex; flex-direction: column; gap: 6px; }
  textarea { font: inherit; width: 100%; min-height: 56px; padding: 6px; }
  button { font: inherit; padding: 8px 14px; border-radius: 6px; border: 0; color: #fff; cursor: pointer; }
  button.approve { background: var(--ok); } button.reject { background: var(--bad); }
  .outcome-approved, .outcome-auto-approved { color: var(--ok); font-weight: 600; }
  .outcome-rejected, .outcome-timed-out { color: var(--bad); font-weight: 600; }
`;

export interface PageOptions {
  title: string;
  user?: string;
  flash?: string;
  /** Extra elements for <head>. */
  head?: SafeHtml;
  /** The operations pages' wide tables. */
  wide?: boolean;
  body: SafeHtml;
}

const NAV: Array<[string, string]> = [
  ['/approvals', 'Approvals'],
  ['/clusters', 'Clusters'],
  ['/runbooks', 'Runbooks'],
  ['/schedules', 'Schedules'],
  ['/savings', 'Savings'],
];

/** A whole HTML document around `body`. Pure. */
export function renderPage(options: PageOptions): string {
  const signedIn = options.user ? html`signed in as <strong>${options.user}</strong>` : html``;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · imply-runbooks</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
        ${options.head ?? ''}
      </head>
      <body>
        <header>
          <nav aria-label="Sections">
            ${NAV.map(
              ([href, label]) =>
                html`<a href="${href}" ${options.title === label ? html`aria-current="page"` : ''}
                  >${label}</a
                >`,
            )}
          </nav>
          <span>${signedIn}</span>
        </header>
        <main class="${options.wide ? 'wide' : ''}">
          ${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ''} ${options.body}
        </main>
      </body>
    </html> `.text;
}

/** The 401 page: who may sign in, and how. Pure. */
export function renderSignInNeeded(
  identityHeader: string | undefined,
  tokenLogin: boolean,
  ignoredHeader?: string,
  oidc?: { issuerHost: string; href: string },
): string {
  const ways = [
    oidc ? html`<li><a class="sign-in" href="${oidc.href}">Sign in with ${oidc.issuerHost}</a>;</li>` : '',
    identityHeader
      ? html`<li>
          through the auth proxy in front of this page, which sets the <code>${identityHeader}</code> header;
        </li>`
      : '',
    tokenLogin
      ? html`<li>
          with your personal login link, <code>/login?token=…</code> (the local dev stack writes them to
          <code>.data/web-logins.txt</code>).
        </li>`
      : '',
  ];
  return renderPage({
    title: 'Sign in needed',
    body: html`<h1>Sign in needed</h1>
      <p>This page shows who approves what, so it needs to know who you are. Sign in:</p>
      <ul>
        ${ways}
      </ul>
      ${
        ignoredHeader
          ? html`<p class="problem">
              The <code>${ignoredHeader}</code> header of this request was ignored: it did not come through a
              trusted auth proxy (<code>web.trustedProxies</code>).
            </p>`
          : ''
      }
      ${
        !identityHeader && !tokenLogin && !oidc
          ? html`<p class="problem">
              No way to sign in is configured: configure an OpenID Connect provider (<code>web.oidc</code>),
              give users login tokens (<code>web.users.&lt;name&gt;.tokenEnv</code>) or put an auth proxy in
              front (<code>web.identityHeader</code> and <code>web.trustedProxies</code>).
            </p>`
          : ''
      }`,
  });
}

/** A page for a refused or failed request, with what to do next. Pure. */
export function renderProblem(title: string, message: string, user?: string, back = '/approvals'): string {
  return renderPage({
    title,
    user,
    body: html`<h1>${title}</h1>
      <p class="problem" role="alert">${message}</p>
      <p><a href="${back}">Back to the approvals</a></p>`,
  });
}

/**
 * After a token login or an OIDC callback: a same-site hop to the list, so the SameSite=Strict
 * cookie goes with it (a navigation that began on another site would not carry it). Pure.
 */
export function renderSignedIn(user: string, next: string): string {
  return renderPage({
    title: 'Signed in',
    user,
    head: html`<meta http-equiv="refresh" content="0;url=${next}" />`,
    body: html`<h1>Signed in as ${user}</h1>
      <p><a href="${next}">Continue to the approvals</a></p>`,
  });
}
