// The admin view's script (GET /auth/admin): users, revoking their sessions, audit events, all
// from the root-only /admin routes. Plain browser JavaScript, served as written, type-checked
// with ./tsconfig.json; it only sets text and attributes (the page requires Trusted Types).

/* global document, fetch, URLSearchParams -- browser globals; tsc checks every name against the DOM */

/**
 * @typedef {{id: number, email: string, userName: string, firstName: string | null,
 *   lastName: string | null, lastAccess: string | null}} User
 * @typedef {{id: string, type: string, userId: string | null, provider: string | null,
 *   ipAddress: string | null, detail: Record<string, unknown>, createdAt: string}} AuditEvent
 * @typedef {{offset: number, total: number, filter: string}} Listing
 * @typedef {{id: string, kind: 'browser' | 'job', provider: string, createdAt: string,
 *   lastRefreshAt: string | null, expiresAt: string, userAgent: string | null,
 *   ipAddress: string | null}} Session
 * @typedef {{id: number, name: string, dateCreated: string, lastUsed: string | null}} AccessToken
 */

const PAGE_SIZE = 20;
/** The server URL's path ('' or `/v1`): every path below is relative to it. */
const BASE = document.documentElement.dataset.base ?? '';
/** @type {{users: Listing, audit: Listing}} */
const listings = {
  users: { offset: 0, total: 0, filter: '' },
  audit: { offset: 0, total: 0, filter: '' },
};

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

/** `path` is under the server URL's path. @param {string} path @param {string} [method] */
function call(path, method = 'GET') {
  return fetch(`${BASE}${path}`, {
    method,
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

/**
 * A request to an admin route; an expired access cookie is renewed once with the refresh
 * cookie, as the login page's heartbeat would.
 * @param {string} path @param {string} [method]
 */
async function api(path, method = 'GET') {
  const res = await call(path, method);
  if (res.status !== 401) return res;
  const refreshed = await call('/oauth/access_token');
  return refreshed.ok ? call(path, method) : res;
}

/** Puts a failed answer into words. @param {Response} res */
async function failed(res) {
  if (res.status === 401) {
    say('admin-alert', 'You are not signed in. Sign in as a root user, then open this page again.');
  } else if (res.status === 403) {
    say('admin-alert', 'Only root users can use the administration.');
  } else {
    const body = /** @type {{message?: unknown}} */ (await res.json().catch(() => ({})));
    const message = typeof body.message === 'string' ? body.message : `error ${res.status}`;
    say('admin-alert', `The request failed: ${message}.`);
  }
}

/** @param {string | null} iso */
function when(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** @param {string | number | null} text */
function cell(text) {
  const td = document.createElement('td');
  td.textContent = text === null || text === '' ? '—' : String(text);
  return td;
}

/** @param {'users' | 'audit' | 'sessions' | 'user-tokens'} name @param {HTMLTableCellElement[][]} rows */
function fill(name, rows) {
  const body = element(`${name}-table`).querySelector('tbody');
  body?.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}

/** @param {'users' | 'audit'} name @param {number} shown @param {string} noun */
function paged(name, shown, noun) {
  const { offset, total } = listings[name];
  const first = shown === 0 ? 0 : offset + 1;
  say(
    `${name}-status`,
    total === 0 ? `No ${noun}.` : `${noun} ${first}–${offset + shown} of ${total}`,
  );
  /** @type {HTMLButtonElement} */ (element(`${name}-prev`)).disabled = offset === 0;
  /** @type {HTMLButtonElement} */ (element(`${name}-next`)).disabled = offset + shown >= total;
}

/** @param {User} user */
function revokeButton(user) {
  const td = document.createElement('td');
  const show = document.createElement('button');
  show.type = 'button';
  show.className = 'secondary';
  show.textContent = 'Show sessions';
  show.setAttribute('aria-label', `Show the sessions of ${user.email}`);
  show.addEventListener('click', () => {
    say('admin-alert', '');
    loadSessions(user).catch(() =>
      say('admin-alert', 'The service cannot be reached. Please try again.'),
    );
  });
  td.append(show, ' ');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger';
  button.textContent = 'Revoke sessions';
  button.setAttribute('aria-label', `Revoke the sessions of ${user.email}`);
  button.addEventListener('click', () => void revoke(user, button));
  td.append(button);
  return td;
}

/** @param {User} user @param {HTMLButtonElement} button */
async function revoke(user, button) {
  button.disabled = true;
  say('admin-alert', '');
  try {
    const res = await api(`/admin/users/${encodeURIComponent(user.id)}/sessions`, 'DELETE');
    if (!res.ok) return await failed(res);
    const { revoked } = /** @type {{revoked: number}} */ (await res.json());
    say('users-status', `Revoked ${revoked} session${revoked === 1 ? '' : 's'} of ${user.email}.`);
    await loadAudit();
  } finally {
    button.disabled = false;
  }
  return undefined;
}

/** A browser login or a launched job's credentials, in words. @param {Session} s */
function kindOf(s) {
  return s.kind === 'job' ? 'Job' : `Browser (${s.provider})`;
}

/** @param {User} user @param {Session} session */
function endButton(user, session) {
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger';
  button.textContent = 'End';
  button.setAttribute(
    'aria-label',
    `End the ${session.kind === 'job' ? 'job' : 'browser'} session started ${when(session.createdAt)}`,
  );
  button.addEventListener('click', () => void endSession(user, session, button));
  td.append(button);
  return td;
}

/**
 * A button in a cell. @param {string} text @param {string} label @param {string} className
 * @param {(button: HTMLButtonElement) => Promise<unknown>} action
 */
function buttonCell(text, label, className, action) {
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.textContent = text;
  button.setAttribute('aria-label', label);
  button.addEventListener('click', () => {
    action(button).catch(() =>
      say('admin-alert', 'The service cannot be reached. Please try again.'),
    );
  });
  td.append(button);
  return td;
}

/** @param {User} user @param {Session} session @param {HTMLButtonElement} button */
async function endSession(user, session, button) {
  button.disabled = true;
  say('admin-alert', '');
  try {
    const res = await api(`/admin/sessions/${encodeURIComponent(session.id)}`, 'DELETE');
    if (!res.ok && res.status !== 404) return await failed(res);
    await loadSessions(user);
    say(
      'sessions-status',
      res.ok
        ? `Ended the ${kindOf(session).toLowerCase()} session.`
        : 'That session had already ended.',
    );
  } finally {
    button.disabled = false;
  }
  return undefined;
}

/** The live sessions of one user, jobs told apart from browser logins. @param {User} user */
async function loadSessions(user) {
  const res = await api(`/admin/users/${encodeURIComponent(user.id)}/sessions`);
  if (!res.ok) return failed(res);
  const { sessions } = /** @type {{sessions: Session[]}} */ (await res.json());
  element('sessions-section').hidden = false;
  say('sessions-owner', `Live sessions of ${user.email}`);
  fill(
    'sessions',
    sessions.map((s) => [
      cell(kindOf(s)),
      cell(when(s.createdAt)),
      cell(when(s.lastRefreshAt)),
      cell(when(s.expiresAt)),
      cell(s.ipAddress),
      cell(s.userAgent),
      endButton(user, s),
    ]),
  );
  const jobs = sessions.filter((s) => s.kind === 'job').length;
  say(
    'sessions-status',
    sessions.length === 0
      ? 'No live sessions.'
      : `${sessions.length} live session${sessions.length === 1 ? '' : 's'}, ${jobs} of them job${jobs === 1 ? '' : 's'}.`,
  );
  return undefined;
}

/** The user whose tokens are shown. @type {User | null} */
let tokensOf = null;

/** @param {User} user @param {boolean} focus */
async function showTokens(user, focus) {
  tokensOf = user;
  const res = await api(`/admin/users/${encodeURIComponent(user.id)}/tokens`);
  if (!res.ok) return failed(res);
  const { tokens } = /** @type {{tokens: AccessToken[]}} */ (await res.json());
  say('user-tokens-title', `Personal access tokens of ${user.email}`);
  fill(
    'user-tokens',
    tokens.map((token) => [
      cell(token.id),
      cell(token.name),
      cell(when(token.dateCreated)),
      cell(when(token.lastUsed)),
      buttonCell('Revoke', `Revoke the token ${token.name} of ${user.email}`, 'danger', (b) =>
        revokeToken(token, b),
      ),
    ]),
  );
  say('user-tokens-status', tokens.length === 0 ? `${user.email} has no tokens.` : '');
  element('user-tokens').hidden = false;
  if (focus) element('user-tokens-title').focus();
  return undefined;
}

/** @param {AccessToken} token @param {HTMLButtonElement} button */
async function revokeToken(token, button) {
  button.disabled = true;
  say('admin-alert', '');
  const res = await api(`/admin/tokens/${encodeURIComponent(token.id)}`, 'DELETE');
  if (!res.ok && res.status !== 404) {
    button.disabled = false;
    return failed(res);
  }
  if (tokensOf) await showTokens(tokensOf, false);
  say('user-tokens-status', `Revoked the token ${token.name}.`);
  return undefined;
}

async function loadUsers() {
  const { offset, filter } = listings.users;
  const query = new URLSearchParams({ offset: String(offset), max: String(PAGE_SIZE) });
  if (filter) query.set('email', filter);
  const res = await api(`/admin/users?${query}`);
  if (!res.ok) return failed(res);
  const { users, total } = /** @type {{users: User[], total: number}} */ (await res.json());
  listings.users.total = total;
  fill(
    'users',
    users.map((u) => [
      cell(u.id),
      cell(u.email),
      cell([u.firstName, u.lastName].filter(Boolean).join(' ') || u.userName),
      cell(when(u.lastAccess)),
      revokeButton(u),
      buttonCell('Show tokens', `Show the tokens of ${u.email}`, 'secondary', () =>
        showTokens(u, true),
      ),
    ]),
  );
  paged('users', users.length, 'Users');
  return undefined;
}

/** @param {Record<string, unknown>} detail */
function detailCell(detail) {
  const td = document.createElement('td');
  if (Object.keys(detail).length > 0) {
    const code = document.createElement('code');
    code.textContent = JSON.stringify(detail);
    td.append(code);
  }
  return td;
}

async function loadAudit() {
  const { offset, filter } = listings.audit;
  const query = new URLSearchParams({ offset: String(offset), max: String(PAGE_SIZE) });
  if (filter) query.set('type', filter);
  const res = await api(`/admin/audit?${query}`);
  if (!res.ok) return failed(res);
  const { events, total } = /** @type {{events: AuditEvent[], total: number}} */ (await res.json());
  listings.audit.total = total;
  fill(
    'audit',
    events.map((e) => [
      cell(when(e.createdAt)),
      cell(e.type),
      cell(e.userId),
      cell(e.provider),
      cell(e.ipAddress),
      detailCell(e.detail),
    ]),
  );
  paged('audit', events.length, 'Events');
  return undefined;
}

/**
 * Search form and pager of one listing.
 * @param {'users' | 'audit'} name @param {string} inputId @param {() => Promise<unknown>} load
 */
function wire(name, inputId, load) {
  const listing = listings[name];
  const run = () => {
    say('admin-alert', '');
    load().catch(() => say('admin-alert', 'The service cannot be reached. Please try again.'));
  };
  element(`${name}-form`).addEventListener('submit', (event) => {
    event.preventDefault();
    listing.filter = /** @type {HTMLInputElement} */ (element(inputId)).value.trim();
    listing.offset = 0;
    run();
  });
  element(`${name}-prev`).addEventListener('click', () => {
    listing.offset = Math.max(0, listing.offset - PAGE_SIZE);
    run();
  });
  element(`${name}-next`).addEventListener('click', () => {
    listing.offset += PAGE_SIZE;
    run();
  });
  run();
}

wire('users', 'users-email', loadUsers);
wire('audit', 'audit-type', loadAudit);
