// The login page's script (GET /auth). Plain browser JavaScript with no build step: served as
// written by PageAssetsController and type-checked against the DOM with ./tsconfig.json. The
// page's CSP allows only same-origin scripts and requires Trusted Types, so this code only ever
// sets text and attributes, never HTML.

/* global document, window, fetch, navigator -- browser globals; tsc checks every name against the DOM */

/**
 * @typedef {{serverUrl: string, authTypes: string[], loginPath: string,
 *   heartbeatInterval: number, oidcLabel: string | null}} ServiceInfo
 * @typedef {{session: {provider: string, expiresAt: string, absoluteExpiresAt: string},
 *   roles: string[]}} SessionSummary
 * @typedef {{email: string, userName: string, firstName: string | null,
 *   lastName: string | null}} User
 * @typedef {{id: number, name: string, dateCreated: string, lastUsed: string | null}} AccessToken
 */

/** @type {Record<string, string>} */
const LABELS = {
  github: 'Sign in with GitHub',
  google: 'Sign in with Google',
  oidc: 'Sign in with OpenID Connect',
};

/** The server URL's path ('' or `/v1`): every path below is relative to it. */
const BASE = document.documentElement.dataset.base ?? '';
const root = element('login');
/** @type {number | undefined} */
let timer;
/** The heartbeat in flight: signing out waits for it, so its cookies cannot outlive the sign-out. */
let beating = Promise.resolve();
let heartbeatMs = 300_000;
let lastBeat = Date.now();

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found;
}

/** @param {string} id @param {string} text */
function say(id, text) {
  element(id).textContent = text;
}

/**
 * A JSON request to this server (`path` under the server URL's path) with this origin's cookies.
 * @param {string} path @param {string} [method] @param {unknown} [body]
 */
function call(path, method = 'GET', body = undefined) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * The heartbeat: `GET /oauth/access_token` with the refresh cookie renews both cookies.
 * @returns {Promise<'ok' | 'ended' | 'unreachable'>}
 */
async function heartbeat() {
  lastBeat = Date.now();
  try {
    const res = await call('/oauth/access_token');
    if (res.ok) return 'ok';
    return res.status === 400 ? 'ended' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/**
 * The signed-in session, refreshing once when the access cookie is missing or expired.
 * @returns {Promise<SessionSummary | null>}
 */
async function currentSession() {
  let res = await call('/auth/session');
  if (res.status === 401 && (await heartbeat()) === 'ok') res = await call('/auth/session');
  return res.ok ? /** @type {Promise<SessionSummary>} */ (res.json()) : null;
}

/** @param {ServiceInfo} info */
function renderChoices(info) {
  const next = root.dataset.next;
  const query = next ? `?next=${encodeURIComponent(next)}` : '';
  const links = info.authTypes
    .filter((type) => type !== 'email')
    .map((type) => {
      const link = document.createElement('a');
      link.className = 'button secondary';
      link.href = `${info.serverUrl}/oauth/login/${encodeURIComponent(type)}${query}`;
      link.textContent = (type === 'oidc' && info.oidcLabel) || LABELS[type] || `Sign in (${type})`;
      return link;
    });
  element('providers').replaceChildren(...links);
  const form = document.getElementById('email-form');
  const email = form !== null && info.authTypes.includes('email');
  if (form) form.hidden = !email;
  element('divider').hidden = !(links.length > 0 && email);
  element('no-method').hidden = links.length > 0 || email;
}

/**
 * Shows one of the two views; `focus` moves the keyboard to its heading (after a change the
 * person did not navigate to, such as signing out).
 * @param {'sign-in' | 'account'} view @param {boolean} focus
 */
function show(view, focus) {
  element('sign-in').hidden = view !== 'sign-in';
  element('account').hidden = view !== 'account';
  if (view !== 'account') {
    stopHeartbeat();
    hideTokens();
  }
  if (focus) element(view).querySelector('h1')?.focus();
}

/** @param {string} notice @param {boolean} focus */
function showSignIn(notice, focus) {
  say('sign-in-notice', notice);
  show('sign-in', focus);
}

/** @param {User} user */
function displayName(user) {
  const full = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return full || user.userName;
}

/** @param {SessionSummary} summary */
function showExpiry(summary) {
  const time = element('session-expiry');
  time.setAttribute('datetime', summary.session.expiresAt);
  time.textContent = new Date(summary.session.expiresAt).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

/** @param {SessionSummary} summary @param {boolean} focus */
async function showAccount(summary, focus) {
  const res = await call('/user-info');
  if (!res.ok) return showSignIn('You are not signed in.', focus);
  const { user } = /** @type {{user: User}} */ (await res.json());
  say('user-name', displayName(user));
  say('user-email', user.email);
  showExpiry(summary);
  element('account-facts').hidden = false;
  element('renewal-note').hidden = false;
  element('admin-link').hidden = !summary.roles.includes('root');
  show('account', focus);
  startHeartbeat();
  void loadTokens();
}

function startHeartbeat() {
  stopHeartbeat();
  timer = window.setInterval(() => {
    beating = beat();
  }, heartbeatMs);
}

function stopHeartbeat() {
  if (timer !== undefined) window.clearInterval(timer);
  timer = undefined;
}

/** One heartbeat while signed in; a session that ended sends the person back to sign in. */
async function beat() {
  const outcome = await heartbeat();
  if (outcome === 'ended') {
    showSignIn('', true);
    say('alert', 'Your session has ended. Please sign in again.');
    return;
  }
  if (outcome !== 'ok') return;
  try {
    const res = await call('/auth/session');
    if (res.ok) showExpiry(/** @type {SessionSummary} */ (await res.json()));
  } catch {
    // Unreachable for a moment: the next heartbeat tries again.
  }
}

/** Background tabs throttle timers: catch up as soon as the page is looked at again. */
function onVisible() {
  if (document.visibilityState !== 'visible' || timer === undefined) return;
  if (Date.now() - lastBeat >= heartbeatMs) {
    startHeartbeat();
    beating = beat();
  }
}

/** @param {SubmitEvent} event */
async function signOut(event) {
  event.preventDefault();
  const button = /** @type {HTMLButtonElement} */ (
    element('sign-out-form').querySelector('button[type=submit]')
  );
  button.disabled = true;
  say('alert', '');
  stopHeartbeat();
  await beating;
  try {
    const res = await call('/logout', 'POST');
    if (!res.ok) throw new Error(`sign-out answered ${res.status}`);
    showSignIn('You are signed out.', true);
  } catch {
    say('alert', 'Signing out did not work. Please try again.');
    startHeartbeat();
  } finally {
    button.disabled = false;
  }
}

/** @param {number} seconds */
function describeWait(seconds) {
  const minutes = Math.ceil(seconds / 60);
  if (!Number.isFinite(minutes) || minutes <= 1) return 'a minute';
  return `${minutes} minutes`;
}

/** @param {SubmitEvent} event */
async function requestLink(event) {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (element('email'));
  const button = /** @type {HTMLButtonElement | null} */ (event.submitter);
  say('email-status', '');
  say('alert', '');
  if (button) button.disabled = true;
  try {
    const res = await call('/gate/access', 'POST', { email: input.value });
    if (res.ok) {
      say(
        'email-status',
        `Check your inbox. If ${input.value.trim()} may sign in, an e-mail with a sign-in link is on its way.`,
      );
    } else if (res.status === 429) {
      const wait = describeWait(Number(res.headers.get('Retry-After')));
      say('alert', `Too many sign-in links were requested. Try again in ${wait}.`);
    } else if (res.status === 400) {
      say('alert', 'Enter a valid e-mail address, such as name@example.com.');
    } else {
      say('alert', 'The sign-in link could not be requested. Please try again.');
    }
  } catch {
    say('alert', 'The service cannot be reached. Check your connection and try again.');
  } finally {
    if (button) button.disabled = false;
  }
}

/** @param {ServiceInfo} info */
function oidcOnly(info) {
  return info.authTypes.length === 1 && info.authTypes[0] === 'oidc';
}

/**
 * Reads /service-info, rebuilds the choices and shows the view that fits the session.
 * @returns {Promise<boolean>} false when the page is on its way to the OIDC provider
 */
async function load() {
  const res = await call('/service-info');
  if (!res.ok) throw new Error(`service-info answered ${res.status}`);
  const info = /** @type {{serviceInfo: ServiceInfo}} */ (await res.json()).serviceInfo;
  heartbeatMs = Math.max(1, info.heartbeatInterval) * 1000;
  renderChoices(info);
  const wanted = root.dataset.state;
  const summary = await currentSession();
  if (summary) {
    await showAccount(summary, wanted !== 'signed-in');
    return true;
  }
  if (wanted === 'sign-in' && oidcOnly(info)) {
    // The only way in: go straight there (never from a result page, which would loop).
    const next = root.dataset.next;
    const query = next ? `?next=${encodeURIComponent(next)}` : '';
    window.location.replace(`${info.serverUrl}${info.loginPath}${query}`);
    return false;
  }
  showSignIn(wanted === 'signed-in' ? 'You are not signed in.' : '', false);
  return true;
}

// ---------------------------------------------------------------- personal access tokens

/**
 * A Tokens API call; an expired access cookie is renewed once with the refresh cookie.
 * @param {string} path @param {string} [method] @param {unknown} [body]
 */
async function tokensApi(path, method = 'GET', body = undefined) {
  const res = await call(path, method, body);
  if (res.status !== 401 || (await heartbeat()) !== 'ok') return res;
  return call(path, method, body);
}

/** @param {string | null} iso */
function shortTime(iso) {
  if (!iso) return 'Never';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** @param {string} text */
function textCell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** @param {AccessToken} token */
function tokenRow(token) {
  const tr = document.createElement('tr');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger';
  button.textContent = 'Delete';
  button.setAttribute('aria-label', `Delete the token ${token.name}`);
  button.addEventListener('click', () => void deleteToken(token, button));
  const actions = document.createElement('td');
  actions.append(button);
  tr.append(
    textCell(token.name),
    textCell(shortTime(token.dateCreated)),
    textCell(shortTime(token.lastUsed)),
    actions,
  );
  return tr;
}

/** @returns {Promise<AccessToken[] | null>} null when the list could not be read */
async function loadTokens() {
  try {
    const res = await tokensApi('/tokens');
    if (!res.ok) return null;
    const { tokens } = /** @type {{tokens: AccessToken[]}} */ (await res.json());
    element('token-table')
      .querySelector('tbody')
      ?.replaceChildren(...tokens.map(tokenRow));
    element('token-list').hidden = tokens.length === 0;
    element('token-delete-all').hidden = tokens.length === 0;
    element('tokens').hidden = false;
    return tokens;
  } catch {
    return null;
  }
}

/** Signing out leaves no token on the screen. */
function hideTokens() {
  element('tokens').hidden = true;
  element('token-created').hidden = true;
  say('token-key', '');
  say('token-export', '');
  say('token-status', '');
}

/** @param {Response} res @param {string} what */
async function tokenFailure(res, what) {
  const body = /** @type {{message?: unknown}} */ (await res.json().catch(() => ({})));
  const message = typeof body.message === 'string' ? body.message : `error ${res.status}`;
  say('alert', `${what} did not work: ${message}.`);
}

/** @param {SubmitEvent} event */
async function createToken(event) {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (element('token-name'));
  const button = /** @type {HTMLButtonElement | null} */ (event.submitter);
  const name = input.value.trim();
  say('alert', '');
  say('token-status', '');
  if (button) button.disabled = true;
  try {
    const res = await tokensApi('/tokens', 'POST', { name });
    if (res.status === 409) {
      say('alert', `You already have a token named ${name}. Choose another name.`);
      input.focus();
      return;
    }
    if (!res.ok) {
      await tokenFailure(res, 'Creating the token');
      input.focus();
      return;
    }
    const { accessKey } = /** @type {{accessKey: string}} */ (await res.json());
    say('token-key', accessKey);
    say('token-export', `export TOWER_ACCESS_TOKEN=${accessKey}`);
    element('token-created').hidden = false;
    input.value = '';
    await loadTokens();
    element('token-copy').focus();
    say('token-status', `Created the token ${name}. Copy it now: it will not be shown again.`);
  } catch {
    say('alert', 'The service cannot be reached. Check your connection and try again.');
  } finally {
    if (button) button.disabled = false;
  }
}

/** Copies the new token; where the clipboard is refused, selects it for a manual copy. */
async function copyToken() {
  const key = element('token-key');
  try {
    await navigator.clipboard.writeText(key.textContent ?? '');
    say('token-status', 'Token copied to the clipboard.');
  } catch {
    window.getSelection()?.selectAllChildren(key);
    say('token-status', 'The token is selected: copy it with your keyboard (Ctrl+C or ⌘C).');
  }
}

/** @param {AccessToken} token @param {HTMLButtonElement} button */
async function deleteToken(token, button) {
  if (!window.confirm(`Delete the token ${token.name}? Anything using it stops working.`)) return;
  button.disabled = true;
  say('alert', '');
  try {
    const res = await tokensApi(`/tokens/${encodeURIComponent(token.id)}`, 'DELETE');
    if (!res.ok && res.status !== 404) {
      button.disabled = false;
      await tokenFailure(res, 'Deleting the token');
      return;
    }
    await loadTokens();
    say('token-status', `Deleted the token ${token.name}.`);
    element('token-name').focus();
  } catch {
    button.disabled = false;
    say('alert', 'The service cannot be reached. Check your connection and try again.');
  }
}

async function deleteAllTokens() {
  if (!window.confirm('Delete all your tokens? Anything using them stops working.')) return;
  say('alert', '');
  try {
    const res = await tokensApi('/tokens/delete-all', 'DELETE');
    if (!res.ok) {
      await tokenFailure(res, 'Deleting the tokens');
      return;
    }
    element('token-created').hidden = true;
    say('token-key', '');
    say('token-export', '');
    await loadTokens();
    say('token-status', 'Deleted all your tokens.');
    element('token-name').focus();
  } catch {
    say('alert', 'The service cannot be reached. Check your connection and try again.');
  }
}

async function start() {
  element('token-form').addEventListener('submit', (e) => void createToken(e));
  element('token-copy').addEventListener('click', () => void copyToken());
  element('token-delete-all').addEventListener('click', () => void deleteAllTokens());
  document.getElementById('email-form')?.addEventListener('submit', (e) => void requestLink(e));
  element('sign-out-form').addEventListener('submit', (e) => void signOut(e));
  document.addEventListener('visibilitychange', onVisible);
  let settled = true;
  try {
    settled = await load();
  } catch {
    say('alert', 'The service cannot be reached. Reload the page to try again.');
  }
  if (settled) root.removeAttribute('aria-busy');
}

void start();
