import type { AuditType } from '../audit/audit.service.js';
import { escapeHtml } from './html.js';
import { layout, type PageChrome } from './auth-page.templates.js';

/** Suggestions of the audit type filter (checked against AuditType by the compiler). */
const AUDIT_TYPES = [
  'login_success',
  'login_failure',
  'refresh',
  'refresh_token_reused',
  'logout',
  'session_revoked',
  'job_session_started',
  'token_created',
  'token_deleted',
  'token_first_use_from_new_address',
  'user_created',
  'identity_linked',
  'magic_link_requested',
  'magic_link_refused',
  'magic_link_rate_limited',
  'magic_link_redeemed',
  'mail_sent',
  'mail_failed',
  'ephemeral_created',
  'ephemeral_partial_read',
  'purge',
] as const satisfies readonly AuditType[];

function pager(name: string): string {
  return `<div class="pager">
<button type="button" id="${name}-prev" class="secondary" disabled>Previous page</button>
<button type="button" id="${name}-next" class="secondary" disabled>Next page</button>
</div>`;
}

function table(name: string, title: string, columns: readonly string[]): string {
  const head = columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  return `<div class="scroll" role="region" aria-label="${escapeHtml(title)}" tabindex="0">
<table id="${name}-table"><thead><tr>${head}</tr></thead><tbody></tbody></table>
</div>
<p id="${name}-status" class="note live" role="status"></p>`;
}

/**
 * `GET /auth/admin`: the shell of the admin view. `admin-page.js` fills it from the root-only
 * routes (GET /admin/users, GET /admin/audit, DELETE /admin/users/{id}/sessions, a user's
 * sessions with browser logins and job sessions told apart, a user's personal access tokens
 * and DELETE /admin/tokens/{id}); anyone else
 * gets their 401/403 shown in words.
 */
export function adminPage(
  chrome: PageChrome,
  fields: { accountHref: string; script: { src: string; integrity: string } },
): string {
  return layout(
    chrome,
    'Administration',
    `<h1>Administration</h1>
<p><a href="${escapeHtml(fields.accountHref)}">Back to your account</a></p>
<p id="admin-alert" class="error live" role="alert"></p>
<section aria-labelledby="users-title">
<h2 id="users-title">Users</h2>
<form id="users-form" class="inline" role="search">
<label for="users-email">E-mail contains</label>
<input id="users-email" type="search" maxlength="320" autocomplete="off">
<button type="submit">Search users</button>
</form>
${table('users', 'Users', ['Id', 'E-mail', 'Name', 'Last access', 'Sessions', 'Tokens'])}
${pager('users')}
</section>
<section id="sessions-section" aria-labelledby="sessions-title" hidden>
<h2 id="sessions-title">Sessions</h2>
<p id="sessions-owner" class="note"></p>
${table('sessions', 'Sessions', ['Kind', 'Started', 'Last refresh', 'Expires', 'Address', 'Client', 'End'])}
</section>
<section id="user-tokens" aria-labelledby="user-tokens-title" hidden>
<h2 id="user-tokens-title" tabindex="-1">Personal access tokens</h2>
${table('user-tokens', 'Personal access tokens', ['Id', 'Name', 'Created', 'Last used', 'Revoke'])}
</section>
${auditSection()}`,
    { script: fields.script, wide: true },
  );
}

/** The audit log's search and table (event types offered as suggestions). */
function auditSection(): string {
  const options = AUDIT_TYPES.map((type) => `<option value="${type}"></option>`).join('');
  return `<section aria-labelledby="audit-title">
<h2 id="audit-title">Audit events</h2>
<form id="audit-form" class="inline" role="search">
<label for="audit-type">Event type</label>
<input id="audit-type" type="search" list="audit-types" maxlength="64" autocomplete="off">
<datalist id="audit-types">${options}</datalist>
<button type="submit">Show events</button>
</form>
${table('audit', 'Audit events', ['Time', 'Type', 'User', 'Provider', 'Address', 'Detail'])}
${pager('audit')}
</section>`;
}
