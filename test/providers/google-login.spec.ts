import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { systemClock } from '../../packages/tower-auth/src/common/clock.js';
import { GoogleLogin } from '../../packages/tower-auth/src/providers/google-login.provider.js';
import { ProviderRegistry } from '../../packages/tower-auth/src/providers/provider-registry.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import {
  CALLBACK,
  SERVER,
  expectFailure,
  expectSuccess,
  lastAuditId,
  nextLoginFailure,
  signIn,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

/**
 * Google is the generic OIDC code with Google's fixed issuer; here a local OpenID provider
 * stands in for https://accounts.google.com (the only test-only seam: the issuer argument).
 */
describe.each(PLATFORMS)('Google login on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let t: ProviderApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      issuerPath: '/google',
      redirectUris: [CALLBACK('google')],
    });
    t = await startProviderApp(platform, {
      DATABASE_URL: db.url,
      TOWER_GOOGLE_CLIENT: op.clientId,
      TOWER_GOOGLE_SECRET: op.clientSecret,
      TOWER_GOOGLE_HOSTED_DOMAIN: 'example.com',
    });
    t.app.get(ProviderRegistry).override(new GoogleLogin(t.config, systemClock, op.issuer));
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await db?.drop();
  });

  it('signs a verified Workspace user in, asking Google for the hosted domain', async () => {
    const account = op.addAccount({ hd: 'example.com', picture: 'https://lh3.example.com/a.png' });
    const browser = t.browser();
    const start = await startLogin(browser, 'google');
    const q = new URL(start.location!).searchParams;
    expect(q.get('hd')).toBe('example.com');
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.get('redirect_uri')).toBe(CALLBACK('google'));
    expectSuccess(await signIn(browser, 'google', account.sub));
    expect((await browser.get(`${SERVER}/user-info`)).body).toMatchObject({
      user: { email: account.email, avatar: 'https://lh3.example.com/a.png' },
    });
    const info = await request(t.server).get('/service-info').expect(200);
    expect(info.body.serviceInfo.authTypes).toContain('google');
  });

  it('refuses an absent or false email_verified (Google must vouch for the address)', async () => {
    for (const emailVerified of [undefined, false]) {
      const account = op.addAccount({ hd: 'example.com', email_verified: emailVerified });
      expectFailure(await signIn(t.browser(), 'google', account.sub), 'email_unverified');
    }
  });

  it('refuses an account outside the hosted domain', async () => {
    for (const hd of ['other.example', undefined]) {
      const account = op.addAccount({ hd });
      const audit = await lastAuditId(t.dataSource);
      expectFailure(await signIn(t.browser(), 'google', account.sub), 'not_allowed');
      const row = await nextLoginFailure(t.dataSource, audit);
      expect(row).toMatchObject({ provider: 'google', detail: { code: 'not_allowed' } });
      expect(row.detail.reason).toMatch(/hd claim/);
    }
  });
});
