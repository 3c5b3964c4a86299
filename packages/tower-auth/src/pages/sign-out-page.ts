import type { HttpServer } from '@nestjs/common';
import type { TowerConfig } from '../config/tower-config.types.js';
import { layout, type PageChrome } from './auth-page.templates.js';
import { escapeHtml } from './html.js';
import { pagePolicy, sendPage, styleNonce } from './page-response.js';

/** Where the page's button goes: `POST /logout`, or `GET /oauth/logout` (which leaves the site). */
export interface SignOutForm {
  readonly method: 'get' | 'post';
  readonly action: string;
}

/**
 * What a sign-out link followed from another site shows instead of signing out: a button that
 * repeats the request from this origin. A site cannot end someone's session by linking here,
 * and an identity provider's post-logout redirect still lets the person finish with one click.
 * No script: the form is the whole mechanism.
 */
export function signOutPage(chrome: PageChrome, form: SignOutForm): string {
  return layout(
    chrome,
    'Sign out',
    `<h1>Sign out of ${escapeHtml(chrome.appName)}?</h1>
<p>Another site sent you here. Press the button to sign out, or close this page to stay signed in.</p>
<form method="${form.method}" action="${escapeHtml(form.action)}">
<button type="submit">Sign out</button>
</form>`,
  );
}

/** Answers with the page (no-store, no script, forms only to this server). */
export function sendSignOutPage(
  httpAdapter: HttpServer,
  response: unknown,
  config: TowerConfig,
  form: SignOutForm,
): void {
  const nonce = styleNonce();
  const html = signOutPage({ appName: config.appName, nonce, base: config.serverPath }, form);
  const policy = pagePolicy(nonce, new URL(config.serverUrl).origin, false);
  sendPage(httpAdapter, response, html, policy);
}
