import type { LoginErrorCode } from '../http/login-response.js';
import { describeDuration, escapeHtml } from './html.js';

/**
 * The HTML of `GET /auth`, kept apart from the controller so the page can be restyled without
 * touching the flow. Every dynamic value goes through escapeHtml; there is no script at all,
 * and the only inline style carries the response's CSP nonce.
 */
export interface PageChrome {
  readonly appName: string;
  /** Per-response CSP nonce of the style element. */
  readonly nonce: string;
}

export interface SignInChoice {
  /** `${serverUrl}/gate/access`, or null when e-mail login is off. */
  readonly emailAction: string | null;
  readonly providers: readonly { readonly href: string; readonly label: string }[];
}

const STYLE = `
body { font-family: system-ui, sans-serif; background: #f5f6f8; color: #1f2328; margin: 0; }
main { max-width: 26rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 10px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
p { line-height: 1.5; }
button, .button { display: block; width: 100%; box-sizing: border-box; padding: .7rem; margin: .6rem 0;
  border: 0; border-radius: 6px; background: #1f6feb; color: #fff; font-size: 1rem; text-align: center;
  text-decoration: none; cursor: pointer; }
.secondary { background: #424a53; }
input[type=email] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem;
  border: 1px solid #d0d7de; border-radius: 6px; }
.note { color: #59636e; font-size: .9rem; }
.error { color: #b42318; }
`;

export function layout(chrome: PageChrome, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(chrome.appName)}</title>
<style nonce="${escapeHtml(chrome.nonce)}">${STYLE}</style>
</head>
<body>
<main>
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

export function resultPage(
  chrome: PageChrome,
  fields: { success: boolean; error: string | null; next: string; retry: string },
): string {
  if (fields.success) {
    return layout(
      chrome,
      'Signed in',
      `<h1>You are signed in</h1>
<p>Welcome to ${escapeHtml(chrome.appName)}.</p>
<a class="button" href="${escapeHtml(fields.next)}">Continue</a>`,
    );
  }
  const message =
    fields.error !== null && fields.error in FAILURES
      ? FAILURES[fields.error as LoginErrorCode]
      : 'The sign-in did not complete. Please try again.';
  return layout(
    chrome,
    'Sign-in failed',
    `<h1>Sign-in failed</h1>
<p class="error">${escapeHtml(message)}</p>
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

export function signInPage(chrome: PageChrome, choice: SignInChoice): string {
  const email = choice.emailAction
    ? `<form method="post" action="${escapeHtml(choice.emailAction)}">
<label for="email">E-mail address</label>
<input id="email" type="email" name="email" autocomplete="email" required maxlength="254">
<button type="submit">E-mail me a sign-in link</button>
</form>`
    : '';
  const providers = choice.providers
    .map(
      (p) => `<a class="button secondary" href="${escapeHtml(p.href)}">${escapeHtml(p.label)}</a>`,
    )
    .join('\n');
  const none =
    !choice.emailAction && choice.providers.length === 0
      ? '<p class="error">No sign-in method is configured.</p>'
      : '';
  return layout(
    chrome,
    'Sign in',
    `<h1>Sign in to ${escapeHtml(chrome.appName)}</h1>\n${providers}\n${email}\n${none}`,
  );
}
