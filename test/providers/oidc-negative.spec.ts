import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { FakeGithub } from '../harness/fake-github.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import { TestClock } from '../harness/session-app.js';
import type { Browser, Page } from './browser.js';
import {
  CALLBACK,
  SERVER,
  authorize,
  expectFailure,
  expectSuccess,
  githubEnv,
  lastAuditId,
  nextLoginFailure,
  oidcEnv,
  sessionCount,
  signIn,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * The negative matrix: every refusal ends on `/auth?success=false&error=<code>`
 * with the flow cookie cleared, no session, and a `login_failure` audit row saying why.
 */
describe.each(PLATFORMS)('OIDC login refusals on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let github: FakeGithub;
  let t: ProviderApp;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      issuerPath: '/realms/tower',
      redirectUris: [CALLBACK('oidc')],
    });
    github = await FakeGithub.start({ redirectUri: CALLBACK('github') });
    t = await startProviderApp(
      platform,
      {
        DATABASE_URL: db.url,
        ...oidcEnv(op),
        ...githubEnv(github),
        TOWER_AUTH_OIDC_ALLOW_LIST: '*@example.com',
      },
      clock,
    );
  });

  afterEach(() => {
    op.misbehave = {};
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await github?.close();
    await db?.drop();
  });

  /** A browser holding a flow cookie and the provider's callback URL, not yet visited. */
  async function atCallback(
    claims: Parameters<TestOidcProvider['addAccount']>[0] = {},
  ): Promise<{ browser: Browser; callback: URL }> {
    const account = op.addAccount(claims);
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    const callback = new URL(await authorize(browser, start.location!, { account: account.sub }));
    return { browser, callback };
  }

  /** Runs `visit`, expects the refusal, and returns the audit row's detail. */
  async function refused(
    code: string,
    visit: () => Promise<Page>,
  ): Promise<Record<string, unknown>> {
    const sessions = await sessionCount(t.dataSource);
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await visit(), code);
    expect(await sessionCount(t.dataSource)).toBe(sessions);
    const row = await nextLoginFailure(t.dataSource, audit);
    expect(row.detail.code).toBe(code);
    return row.detail;
  }

  it('refuses a callback without state', async () => {
    const { browser, callback } = await atCallback();
    callback.searchParams.delete('state');
    const detail = await refused('invalid_state', () => browser.get(callback.href));
    expect(detail.reason).toBe('the callback has no state');
  });

  it('refuses an altered state', async () => {
    const { browser, callback } = await atCallback();
    callback.searchParams.set('state', 'attacker-chosen');
    await refused('invalid_state', () => browser.get(callback.href));
  });

  it('refuses a callback without the flow cookie, or with an altered one', async () => {
    const { browser, callback } = await atCallback();
    const sealed = browser.cookie(SERVER, 'TOWER_OAUTH_FLOW')!;
    browser.deleteCookie(SERVER, 'TOWER_OAUTH_FLOW');
    await refused('invalid_state', () => browser.get(callback.href));
    // Change the second-to-last character (all six of its bits count) to a different one.
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(flipped).not.toBe(sealed);
    browser.setCookie(SERVER, 'TOWER_OAUTH_FLOW', flipped);
    const detail = await refused('invalid_state', () => browser.get(callback.href));
    expect(detail.reason).toMatch(/no valid flow cookie/);
  });

  it('refuses a flow cookie that has expired (10 minutes)', async () => {
    const { browser, callback } = await atCallback();
    clock.advance(601);
    await refused('invalid_state', () => browser.get(callback.href));
  });

  it('refuses the flow cookie of another provider (a GitHub login started meanwhile)', async () => {
    const { browser, callback } = await atCallback();
    const other = await startLogin(browser, 'github');
    expect(new URL(other.location!).origin).toBe(new URL(github.url).origin);
    const detail = await refused('invalid_state', () => browser.get(callback.href));
    expect(detail.reason).toBe('the flow was started for github');
  });

  it('refuses a replayed code (the provider refuses it) with provider_error', async () => {
    const { browser, callback } = await atCallback();
    const sealed = browser.cookie(SERVER, 'TOWER_OAUTH_FLOW')!;
    expectSuccess(await browser.get(callback.href));
    const replay = t.browser();
    replay.setCookie(SERVER, 'TOWER_OAUTH_FLOW', sealed);
    const detail = await refused('provider_error', () => replay.get(callback.href));
    expect(detail.reason).toMatch(/invalid_grant/);
  });

  it('refuses an id_token whose nonce is not the flow nonce', async () => {
    op.misbehave = { idToken: (claims) => ({ ...claims, nonce: 'another-nonce' }) };
    const { browser, callback } = await atCallback();
    const detail = await refused('provider_error', () => browser.get(callback.href));
    expect(detail.reason).toMatch(/claim nonce/);
  });

  it('refuses an id_token signed with a key that is not in the JWKS', async () => {
    op.misbehave = { foreignSigningKey: 'same-kid' };
    const { browser, callback } = await atCallback();
    const detail = await refused('provider_error', () => browser.get(callback.href));
    expect(detail.reason).toMatch(/signature/i);
  });

  it('refuses an id_token from another issuer, or with a trailing-slash issuer', async () => {
    for (const iss of ['https://evil.example/realms/tower', `${op.issuer}/`]) {
      op.misbehave = { idToken: (claims) => ({ ...claims, iss }) };
      const { browser, callback } = await atCallback();
      const detail = await refused('provider_error', () => browser.get(callback.href));
      expect(detail.reason).toMatch(/claim iss/);
    }
  });

  it('refuses a discovery document whose issuer differs by a trailing slash', async () => {
    op.misbehave = { discovery: (doc) => ({ ...doc, issuer: `${String(doc.issuer)}/` }) };
    clock.advance(3601); // past the discovery TTL: the next login discovers again
    const browser = t.browser();
    const detail = await refused('provider_error', () => startLogin(browser, 'oidc'));
    expect(detail.reason).toMatch(/^discovery of .*issuer/);
    op.misbehave = {};
    expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
  });

  it('refuses an id_token for another audience', async () => {
    op.misbehave = { idToken: (claims) => ({ ...claims, aud: 'someone-else' }) };
    const { browser, callback } = await atCallback();
    const detail = await refused('provider_error', () => browser.get(callback.href));
    expect(detail.reason).toMatch(/claim aud/);
  });

  it('refuses an expired id_token, tolerating 30 s of clock skew', async () => {
    op.misbehave = { idToken: (claims) => ({ ...claims, iat: now() - 3600, exp: now() - 45 }) };
    const { browser, callback } = await atCallback();
    const detail = await refused('provider_error', () => browser.get(callback.href));
    expect(detail.reason).toMatch(/exp/);
    op.misbehave = { idToken: (claims) => ({ ...claims, iat: now() - 3600, exp: now() - 10 }) };
    const late = await atCallback();
    expectSuccess(await late.browser.get(late.callback.href));
  });

  it('refuses email_verified: false (boolean or string)', async () => {
    for (const emailVerified of [false, 'false']) {
      const { browser, callback } = await atCallback({ email_verified: emailVerified });
      await refused('email_unverified', () => browser.get(callback.href));
    }
  });

  it('refuses an address the allow list does not admit, at every login', async () => {
    const { browser, callback } = await atCallback({ email: 'eve@elsewhere.test' });
    const detail = await refused('not_allowed', () => browser.get(callback.href));
    expect(detail).toMatchObject({ email: 'ev*@elsewhere.test' });
    const account = op.addAccount();
    expectSuccess(await signIn(t.browser(), 'oidc', account.sub));
    account.email = 'moved@elsewhere.test';
    await refused('not_allowed', () => signIn(t.browser(), 'oidc', account.sub));
  });

  it('answers hostile callbacks with invalid_state, never a 5xx', async () => {
    const { browser, callback } = await atCallback();
    const sealed = browser.cookie(SERVER, 'TOWER_OAUTH_FLOW')!;
    const state = callback.searchParams.get('state')!;
    const code = callback.searchParams.get('code')!;
    for (const query of [
      `state=${state}&state=${state}&code=${code}`,
      `state=${'x'.repeat(5000)}&code=${code}`,
      `state[a]=1&code=${code}`,
      `code=${code}`,
    ]) {
      browser.setCookie(SERVER, 'TOWER_OAUTH_FLOW', sealed);
      await refused('invalid_state', () => browser.get(`${SERVER}/oauth/callback/oidc?${query}`));
    }
    const json = await request(t.server)
      .post('/oauth/callback/oidc')
      .set('Cookie', `TOWER_OAUTH_FLOW=${sealed}`)
      .send({ state: { $ne: 1 }, code: [code] });
    expect(json.status).toBe(303);
    expect(json.headers.location).toBe(`${SERVER}/auth?success=false&error=invalid_state`);
  });

  it('maps error=access_denied to access_denied and other provider errors to provider_error', async () => {
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    const denied = await authorize(browser, start.location!, { abort: true });
    await refused('access_denied', () => browser.get(denied));
    const again = await startLogin(browser, 'oidc');
    const state = new URL(again.location!).searchParams.get('state')!;
    const detail = await refused('provider_error', () =>
      browser.get(`${SERVER}/oauth/callback/oidc?error=temporarily_unavailable&state=${state}`),
    );
    expect(detail.reason).toBe('the provider answered error=temporarily_unavailable');
  });
});
