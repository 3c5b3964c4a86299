import type { LoginErrorCode } from '../common/auth-error.js';
import { describeDuration, escapeHtml } from './html.js';
import { PAGE_STYLE } from './page-style.js';

/**
 * The server-rendered states of `GET /auth` that run no script (magic-link confirmation, a
 * failed sign-in, "check your inbox"), and the layout every page shares. Every dynamic value
 * goes through escapeHtml; the only inline style carries the response's CSP nonce.
 */
export interface PageChrome {
  readonly appName: string;
  /** Per-response CSP nonce of the style element. */
  readonly nonce: string;
  /**
   * The server URL's path ('' or `/v1`), on `<html data-base>` when not empty: the pages'
   * scripts put it in front of every path they fetch (the CSP allows no inline script).
   */
  readonly base: string;
}

export interface LayoutOptions {
  /** A same-origin module script and its SRI; pages without one run no script at all. */
  readonly script?: { readonly src: string; readonly integrity: string };
  /** The wide layout of the admin view. */
  readonly wide?: boolean;
}

export function layout(
  chrome: PageChrome,
  title: string,
  body: string,
  options: LayoutOptions = {},
): string {
  const script = options.script
    ? `<script type="module" src="${escapeHtml(options.script.src)}" integrity="${escapeHtml(options.script.integrity)}"></script>\n`
    : '';
  const base = chrome.base ? ` data-base="${escapeHtml(chrome.base)}"` : '';
  return `<!doctype html>
<html lang="en"${base}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(chrome.appName)}</title>
<style nonce="${escapeHtml(chrome.nonce)}">${PAGE_STYLE}</style>
${script}</head>
<body>
<main${options.wide ? ' class="wide"' : ''}>
${body}
</main>
</body>
</html>
`;
}

/**
 * The page a magic link opens. Nothing happens until the person clicks: mail scanners fetch
 * links (and some run scripts), and must not burn the token.
 */
export function confirmationPage(
  chrome: PageChrome,
  fields: { action: string; userId: string; token: string; maskedEmail: string | null },
): string {
  const who = fields.maskedEmail
    ? `Sign in as ${escapeHtml(fields.maskedEmail)}`
    : `Sign in to ${escapeHtml(chrome.appName)}`;
  return layout(
    chrome,
    'Sign in',
    `<h1>${who}</h1>
<p>Continue to finish signing in with the link from your e-mail.</p>
<form method="post" action="${escapeHtml(fields.action)}">
<input type="hidden" name="username" value="${escapeHtml(fields.userId)}">
<input type="hidden" name="password" value="${escapeHtml(fields.token)}">
<button type="submit">${who}</button>
</form>
<p class="note">Each link works once. If you did not ask to sign in, close this page.</p>`,
  );
}

const FAILURES: Readonly<Record<LoginErrorCode, string>> = {
  access_denied: 'The sign-in was cancelled or refused by the provider.',
  not_allowed: 'This account is not allowed to sign in here.',
  email_unverified: 'The provider has not verified the e-mail address of this account.',
  invalid_state: 'The sign-in attempt expired or did not start here. Please start again.',
  provider_error: 'The sign-in provider could not complete the sign-in. Please try again.',
  invalid_link: 'This sign-in link is invalid, has expired or was already used. Request a new one.',
};

/** `?success=false&error=<code>`, in plain words; the code itself is never echoed. */
export function failurePage(
  chrome: PageChrome,
  fields: { error: string | null; retry: string },
): string {
  const message =
    fields.error !== null && Object.hasOwn(FAILURES, fields.error)
      ? FAILURES[fields.error as LoginErrorCode]
      : 'The sign-in did not complete. Please try again.';
  return layout(
    chrome,
    'Sign-in failed',
    `<h1>Sign-in failed</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<a class="button" href="${escapeHtml(fields.retry)}">Back to sign in</a>`,
  );
}

export function linkRequestedPage(
  chrome: PageChrome,
  fields: { validity: number; retry: string },
): string {
  return layout(
    chrome,
    'Check your inbox',
    `<h1>Check your inbox</h1>
<p>If this address may sign in, an e-mail with a sign-in link is on its way. The link is valid for ${escapeHtml(describeDuration(fields.validity))}.</p>
<a class="button secondary" href="${escapeHtml(fields.retry)}">Back to sign in</a>`,
  );
}
