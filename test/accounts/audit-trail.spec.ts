import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import { LogCapture, eventually, startMailApp, type MailApp } from '../mail/mail-kit.js';
import { Browser } from '../providers/browser.js';
import { CALLBACK, expectSuccess, oidcEnv, signIn } from '../providers/support.js';

const GATE_REQUESTS = 12;
const OIDC_LOGINS = 8;

interface AuditRow {
  type: string;
  user_id: string;
  provider: string;
}

/** Sign-ups arrive together; each one's audit rows must all be there, none lost. */
describe.each(PLATFORMS)('the audit trail under concurrent sign-ups on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let t: MailApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({ redirectUris: [CALLBACK('oidc')] });
    t = await startMailApp(
      platform,
      { DATABASE_URL: db.url, ...oidcEnv(op), TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '1000' },
      { logs },
    );
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await db?.drop();
  });

  async function rows(types: string[]): Promise<AuditRow[]> {
    return t.dataSource.query(
      `SELECT type, user_id::text, provider FROM tower_auth.audit_events WHERE type = ANY($1) ORDER BY id`,
      [types],
    );
  }

  it('records user_created, magic_link_requested and login_success for every new user', async () => {
    const addresses = Array.from({ length: GATE_REQUESTS }, (_, i) => `crowd-${i}@example.com`);
    const accounts = Array.from({ length: OIDC_LOGINS }, () => op.addAccount());
    const browser = (): Browser => new Browser({ server: t.server, serverUrl: t.config.serverUrl });
    const [gates, logins] = await Promise.all([
      Promise.all(addresses.map((email) => request(t.server).post('/gate/access').send({ email }))),
      Promise.all(accounts.map((account) => signIn(browser(), 'oidc', account.sub))),
    ]);
    for (const gate of gates) expect(gate.status).toBe(200);
    for (const login of logins) expectSuccess(login);

    const users: { id: string; email: string }[] = await t.dataSource.query(
      `SELECT id::text, email FROM tower_auth.users ORDER BY id`,
    );
    const emailUsers = users.filter((u) => addresses.includes(u.email)).map((u) => u.id);
    const oidcUsers = users
      .filter((u) => accounts.some((a) => a.email === u.email))
      .map((u) => u.id);
    expect(emailUsers).toHaveLength(GATE_REQUESTS);
    expect(oidcUsers).toHaveLength(OIDC_LOGINS);

    const expected = [
      ...emailUsers.map((id) => `user_created ${id} email`),
      ...emailUsers.map((id) => `magic_link_requested ${id} email`),
      ...oidcUsers.map((id) => `user_created ${id} oidc`),
      ...oidcUsers.map((id) => `login_success ${id} oidc`),
    ].sort();
    const types = ['user_created', 'magic_link_requested', 'login_success'];
    // The requests' own rows land after their answers; by the clock, not by a count of polls.
    const found = await eventually(
      async () => {
        const seen = (await rows(types)).map((r) => `${r.type} ${r.user_id} ${r.provider}`);
        return seen.length >= expected.length ? seen : undefined;
      },
      `${expected.length} audit rows`,
      10_000,
    ).catch(async () => (await rows(types)).map((r) => `${r.type} ${r.user_id} ${r.provider}`));
    expect(found.sort()).toEqual(expected);
    expect(logs.lines.filter((line) => line.includes('Could not record'))).toEqual([]);
  });
});
