import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountService } from '../../packages/tower-auth/src/users/account.service.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import type { Browser } from './browser.js';
import {
  CALLBACK,
  SERVER,
  expectFailure,
  expectSuccess,
  lastAuditId,
  nextLoginFailure,
  oidcEnv,
  signIn,
  startProviderApp,
  type ProviderApp,
} from './support.js';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

/**
 * An OpenID provider that does not mark the e-mail verified (Entra ID never sends
 * `email_verified`) authenticates its subject, not the address: by default such a login gets a
 * user of its own, never the account or the root rights of whoever holds the address, and the
 * allow list does not admit it; `trust-unverified-email` is the operator's opt-in.
 */
describe.each(PLATFORMS)('OIDC e-mails without email_verified on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  /** Defaults, with the owners' addresses as root e-mail entries. */
  let plain: ProviderApp;
  /** Defaults with an allow list. */
  let listed: ProviderApp;
  /** trust-unverified-email, with the allow list and the root entries. */
  let trusting: ProviderApp;
  let n = 0;

  const owners = Array.from({ length: 4 }, (_, i) => `owner-${i}@example.com`);

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      issuerPath: `/${TENANT}/v2.0`,
      redirectUris: [CALLBACK('oidc')],
    });
    const base = { DATABASE_URL: db.url, ...oidcEnv(op), TOWER_ROOT_USERS: owners.join(',') };
    plain = await startProviderApp(platform, base);
    listed = await startProviderApp(platform, {
      ...base,
      TOWER_AUTH_OIDC_ALLOW_LIST: '*@example.com',
    });
    trusting = await startProviderApp(platform, {
      ...base,
      TOWER_AUTH_OIDC_ALLOW_LIST: '*@example.com',
      TOWER_OIDC_TRUST_UNVERIFIED_EMAIL: 'true',
    });
  });

  afterAll(async () => {
    await plain?.close();
    await listed?.close();
    await trusting?.close();
    await op?.close();
    await db?.drop();
  });

  /** A magic-link user whose link was redeemed: the address is proven and held. */
  async function magicLinkOwner(t: ProviderApp, email: string): Promise<string> {
    const accounts = t.app.get(AccountService);
    const user = await accounts.userForEmail(email);
    await accounts.confirmEmailLogin(user!.id, new Date());
    return user!.id;
  }

  async function whoAmI(browser: Browser): Promise<{ id: string; email: string }> {
    const me = await browser.get(`${SERVER}/user-info`);
    expect(me.status).toBe(200);
    const { id, email } = (me.body as { user: { id: number; email: string } }).user;
    return { id: String(id), email };
  }

  /** The roles of the login's access token, then those a refresh issues. */
  async function roles(browser: Browser): Promise<string[][]> {
    const session = await browser.get(`${SERVER}/auth/session`);
    const refresh = await browser.get(`${SERVER}/oauth/access_token`);
    expect(refresh.status).toBe(200);
    return [
      (session.body as { roles: string[] }).roles,
      (refresh.body as { roles: string[] }).roles,
    ];
  }

  async function identities(t: ProviderApp, userId: string): Promise<string[]> {
    const rows: { provider: string }[] = await t.dataSource.query(
      `SELECT provider FROM tower_auth.identities WHERE user_id = $1 ORDER BY provider`,
      [userId],
    );
    return rows.map((r) => r.provider);
  }

  it('gives the login a new user of its own: not the holder of the address, not root', async () => {
    const email = owners[0];
    const ownerId = await magicLinkOwner(plain, email);
    const account = op.addAccount({ email, email_verified: undefined });
    const browser = plain.browser();
    expectSuccess(await signIn(browser, 'oidc', account.sub));
    const me = await whoAmI(browser);
    expect(me.id).not.toBe(ownerId);
    expect(me.email).toBe(email);
    expect(await roles(browser)).toEqual([['user'], ['user']]);
    expect(await identities(plain, ownerId)).toEqual(['email']);
    const [row] = await plain.dataSource.query(
      `SELECT email_verified FROM tower_auth.users WHERE id = $1`,
      [me.id],
    );
    expect(row).toEqual({ email_verified: false });

    // The same subject comes back to the same user; the holder's own login is untouched.
    const again = plain.browser();
    expectSuccess(await signIn(again, 'oidc', account.sub));
    expect((await whoAmI(again)).id).toBe(me.id);
  });

  it('keeps the address off root even where nobody holds it yet', async () => {
    const account = op.addAccount({ email: owners[1], email_verified: undefined });
    const browser = plain.browser();
    expectSuccess(await signIn(browser, 'oidc', account.sub));
    expect(await roles(browser)).toEqual([['user'], ['user']]);
  });

  it('still refuses email_verified: false', async () => {
    const account = op.addAccount({ email: `false-${++n}@example.com`, email_verified: false });
    expectFailure(await signIn(plain.browser(), 'oidc', account.sub), 'email_unverified');
  });

  it('is not admitted by an allow list', async () => {
    const account = op.addAccount({
      email: `listed-${++n}@example.com`,
      email_verified: undefined,
    });
    const audit = await lastAuditId(listed.dataSource);
    expectFailure(await signIn(listed.browser(), 'oidc', account.sub), 'not_allowed');
    const { detail } = await nextLoginFailure(listed.dataSource, audit);
    expect(detail.reason).toMatch(/trust-unverified-email/);
    const verified = op.addAccount({ email: `listed-${++n}@example.com`, email_verified: true });
    expectSuccess(await signIn(listed.browser(), 'oidc', verified.sub));
  });

  it('with trust-unverified-email, links to the holder of the address, who may be root', async () => {
    const email = owners[2];
    const ownerId = await magicLinkOwner(trusting, email);
    const account = op.addAccount({ email, email_verified: undefined });
    const browser = trusting.browser();
    expectSuccess(await signIn(browser, 'oidc', account.sub));
    expect((await whoAmI(browser)).id).toBe(ownerId);
    expect(await identities(trusting, ownerId)).toEqual(['email', 'oidc']);
    expect(await roles(browser)).toEqual([
      ['user', 'root'],
      ['user', 'root'],
    ]);
  });

  it('with trust-unverified-email, hands a separate user its address once nobody else holds it', async () => {
    const email = owners[3];
    const account = op.addAccount({ email, email_verified: undefined });
    const before = plain.browser();
    expectSuccess(await signIn(before, 'oidc', account.sub));
    const separate = await whoAmI(before);
    expect(await roles(before)).toEqual([['user'], ['user']]);
    const after = trusting.browser();
    expectSuccess(await signIn(after, 'oidc', account.sub));
    expect((await whoAmI(after)).id).toBe(separate.id);
    expect(await roles(after)).toEqual([
      ['user', 'root'],
      ['user', 'root'],
    ]);
  });
});
