import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  FLOW_COOKIE,
  FLOW_COOKIE_CROSS_SITE,
} from '../../packages/tower-auth/src/providers/login-flow.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import type { Browser } from './browser.js';
import { authorize, oidcEnv, sessionCount, startProviderApp, type ProviderApp } from './support.js';

/** A public https server URL: no unsafe mode, Secure cookies. */
const HTTPS_SERVER = 'https://tower.example.com';
const HOST_FLOW = `__Host-${FLOW_COOKIE}`;
const HOST_FLOW_CROSS_SITE = `__Host-${FLOW_COOKIE_CROSS_SITE}`;

describe.each(PLATFORMS)('the OAuth flow cookie on an https server URL, on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let t: ProviderApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      redirectUris: [`${HTTPS_SERVER}/oauth/callback/oidc`],
    });
    t = await startProviderApp(platform, {
      DATABASE_URL: db.url,
      TOWER_SERVER_URL: HTTPS_SERVER,
      ...oidcEnv(op),
    });
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await db?.drop();
  });

  /** Starts a login as `account` and returns the provider's answer, not yet delivered. */
  async function pendingCallback(browser: Browser, account: string): Promise<string> {
    const start = await browser.get(`${HTTPS_SERVER}/oauth/login/oidc`);
    expect(start.status).toBe(303);
    return authorize(browser, start.location!, { account }, HTTPS_SERVER);
  }

  it('is __Host- prefixed (Secure, Path=/, no Domain), as is its form-POST copy, and signs in', async () => {
    expect(t.config.unsafeMode).toBe(false);
    const browser = t.browser();
    const start = await browser.get(`${HTTPS_SERVER}/oauth/login/oidc`);
    const flow = start.setCookies.map((line) => line.split(';').map((part) => part.trim()));
    expect(flow.map(([pair]) => pair.split('=')[0])).toEqual([HOST_FLOW, HOST_FLOW_CROSS_SITE]);
    for (const [, ...attributes] of flow) {
      expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'HttpOnly']));
      expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    }
    const account = op.addAccount();
    const done = await browser.get(
      await authorize(browser, start.location!, { account: account.sub }, HTTPS_SERVER),
    );
    expect({ status: done.status, location: done.location }).toEqual({
      status: 303,
      location: `${HTTPS_SERVER}/auth?success=true`,
    });
    expect(done.setCookies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${HOST_FLOW}=;.*Max-Age=0`)),
        expect.stringMatching(new RegExp(`^${HOST_FLOW_CROSS_SITE}=;.*Max-Age=0`)),
        expect.stringMatching(/^JWT=.+; Secure/),
      ]),
    );
  });

  it("finishes a form-POST callback, posted from the provider's site with only the SameSite=None copy", async () => {
    const browser = t.browser();
    const callback = new URL(await pendingCallback(browser, op.addAccount().sub));
    browser.deleteCookie(HTTPS_SERVER, HOST_FLOW);
    const done = await browser.post(
      `${HTTPS_SERVER}/oauth/callback/oidc`,
      Object.fromEntries(callback.searchParams),
      { Origin: new URL(op.issuer).origin, 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(done.location).toBe(`${HTTPS_SERVER}/auth?success=true`);
  });

  it("ignores a flow planted under the plain name (a sibling subdomain's cookie): no login as the attacker", async () => {
    // The attacker runs a login to their own account and keeps the provider's answer...
    const attacker = t.browser();
    const callback = await pendingCallback(attacker, op.addAccount().sub);
    const sealed =
      attacker.cookie(HTTPS_SERVER, HOST_FLOW) ?? attacker.cookie(HTTPS_SERVER, FLOW_COOKIE);
    expect(sealed).toBeDefined();
    // ...plants their flow in the victim's browser from a sibling subdomain, which can set a
    // cookie for the parent domain under any name except a __Host- one, and sends the victim
    // to the callback.
    const victim = t.browser();
    victim.setCookie(HTTPS_SERVER, FLOW_COOKIE, sealed!);
    victim.setCookie(HTTPS_SERVER, FLOW_COOKIE_CROSS_SITE, sealed!);
    const before = await sessionCount(t.dataSource);
    const done = await victim.get(callback);
    expect({ status: done.status, location: done.location }).toEqual({
      status: 303,
      location: `${HTTPS_SERVER}/auth?success=false&error=invalid_state`,
    });
    expect(done.setCookies.filter((c) => /^JWT(_REFRESH_TOKEN)?=./.test(c))).toEqual([]);
    expect(await sessionCount(t.dataSource)).toBe(before);
  });
});
