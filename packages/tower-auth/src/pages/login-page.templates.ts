import { escapeHtml } from './html.js';
import { layout, type PageChrome } from './auth-page.templates.js';

/**
 * The page a person signs in on and sees while signed in (`GET /auth`, `/auth?success=true`).
 * The server renders both views, one hidden, with working links and forms: without script
 * the buttons and the e-mail form still work. `login-page.js` then reads `/service-info`,
 * shows the signed-in user from `/user-info`, keeps the session alive and signs out in place.
 */
export interface SignInChoice {
  /** `${serverUrl}/gate/access`, or null when e-mail login is off. */
  readonly emailAction: string | null;
  readonly providers: readonly { readonly href: string; readonly label: string }[];
}

export interface LoginView {
  /** Which view shows first: the sign-in choices, or the account after `?success=true`. */
  readonly state: 'sign-in' | 'signed-in';
  readonly choice: SignInChoice;
  /** A same-origin path to return to after signing in, already checked; or null. */
  readonly next: string | null;
  /** Where "Continue" leads once signed in. */
  readonly continueHref: string;
  readonly logoutAction: string;
  readonly adminHref: string;
  readonly script: { readonly src: string; readonly integrity: string };
}

function signInView(chrome: PageChrome, view: LoginView): string {
  const { choice } = view;
  const providers = choice.providers
    .map(
      (p) => `<a class="button secondary" href="${escapeHtml(p.href)}">${escapeHtml(p.label)}</a>`,
    )
    .join('\n');
  const email = choice.emailAction
    ? `<form id="email-form" method="post" action="${escapeHtml(choice.emailAction)}">
<label for="email">E-mail address</label>
<input id="email" type="email" name="email" autocomplete="email" required maxlength="254">
<button type="submit">E-mail me a sign-in link</button>
</form>`
    : '';
  const none = !choice.emailAction && choice.providers.length === 0;
  return `<div id="sign-in"${view.state === 'sign-in' ? '' : ' hidden'}>
<h1 tabindex="-1">Sign in to ${escapeHtml(chrome.appName)}</h1>
<p id="sign-in-notice" class="live" role="status"></p>
<div id="providers">
${providers}
</div>
<p id="divider" class="divider"${providers && email ? '' : ' hidden'}>or</p>
${email}
<p id="email-status" class="live" role="status"></p>
<p id="no-method" class="error"${none ? '' : ' hidden'}>No sign-in method is configured.</p>
</div>`;
}

function accountView(chrome: PageChrome, view: LoginView): string {
  return `<section id="account" aria-labelledby="account-title"${view.state === 'signed-in' ? '' : ' hidden'}>
<h1 id="account-title" tabindex="-1">You are signed in</h1>
<p id="welcome">Welcome to ${escapeHtml(chrome.appName)}.</p>
<dl id="account-facts" hidden>
<dt>Name</dt><dd id="user-name"></dd>
<dt>E-mail</dt><dd id="user-email"></dd>
<dt>Session expires</dt><dd><time id="session-expiry"></time></dd>
</dl>
<p id="renewal-note" class="note" hidden>While this page is open, the session is renewed automatically.</p>
<a class="button" href="${escapeHtml(view.continueHref)}">Continue</a>
<a id="admin-link" class="button secondary" href="${escapeHtml(view.adminHref)}" hidden>Administration</a>
<form id="sign-out-form" method="post" action="${escapeHtml(view.logoutAction)}">
<button type="submit" class="secondary">Sign out</button>
</form>
${tokensSection()}
</section>`;
}

/**
 * Personal access tokens for Nextflow and tw: shown by the script once it knows the session
 * (it needs the Tokens API), so without script the section stays hidden.
 */
function tokensSection(): string {
  return `<section id="tokens" aria-labelledby="tokens-title" hidden>
<h2 id="tokens-title">Personal access tokens</h2>
<p class="note">For Nextflow and the tw CLI: a token acts as you until you delete it. Keep it secret.</p>
<form id="token-form" class="inline">
<label for="token-name">Token name</label>
<input id="token-name" name="name" required maxlength="50" pattern="[A-Za-z0-9._\\-]+" autocomplete="off" aria-describedby="token-name-hint">
<button type="submit">Create token</button>
</form>
<p id="token-name-hint" class="note">1 to 50 letters, digits, dots, underscores or hyphens.</p>
<div id="token-created" hidden>
<p class="note">Copy your new token now: it will not be shown again.</p>
<p><code id="token-key"></code></p>
<p><code id="token-export"></code></p>
<button type="button" id="token-copy" class="secondary">Copy the export line</button>
</div>
<p id="token-status" class="note live" role="status"></p>
<div id="token-list" class="scroll" role="region" aria-label="Your tokens" tabindex="0" hidden>
<table id="token-table"><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Delete</th></tr></thead><tbody></tbody></table>
</div>
<button type="button" id="token-delete-all" class="danger" hidden>Delete all tokens</button>
</section>`;
}

export function loginPage(chrome: PageChrome, view: LoginView): string {
  // aria-busy until the script has checked the session and rebuilt the choices.
  const data = `aria-busy="true" data-state="${view.state}" data-next="${escapeHtml(view.next ?? '')}"`;
  return layout(
    chrome,
    view.state === 'signed-in' ? 'Signed in' : 'Sign in',
    `<div id="login" ${data}>
${signInView(chrome, view)}
${accountView(chrome, view)}
<p id="alert" class="error live" role="alert"></p>
</div>`,
    { script: view.script },
  );
}
