import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FLOW_COOKIE } from '../../packages/tower-auth/src/providers/login-flow.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import {
  CALLBACK,
  SERVER,
  authorize,
  expectFailure,
  expectSuccess,
  lastAuditId,
  nextLoginFailure,
  oidcEnv,
  sessionCount,
  signIn,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

describe.each(PLATFORMS)('OIDC login on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let t: ProviderApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      issuerPath: '/realms/tower',
      redirectUris: [CALLBACK('oidc')],
      postLogoutRedirectUris: [`${SERVER}/logout`],
    });
    t = await startProviderApp(platform, { DATABASE_URL: db.url, ...oidcEnv(op) });
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await db?.drop();
  });

  it('signs a new user in through the whole code flow and /user-info shows them', async () => {
    const account = op.addAccount({ given_name: 'Grace', family_name: 'Hopper' });
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    expect(start.status).toBe(303);
    const authorizeUrl = new URL(start.location!);
    expect(authorizeUrl.href.startsWith(`${op.issuer}/auth?`)).toBe(true);
    const q = authorizeUrl.searchParams;
    expect(q.get('redirect_uri')).toBe(CALLBACK('oidc'));
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(q.get('state')).toBeTruthy();
    expect(q.get('nonce')).toBeTruthy();
    const flowCookie = start.setCookies.find((c) => c.startsWith(`${FLOW_COOKIE}=`))!;
    expect(flowCookie).toMatch(/HttpOnly/);
    expect(flowCookie).toMatch(/SameSite=Lax/);
    expect(flowCookie).toMatch(/Max-Age=600/);
    // The cookie is sealed: none of the flow's secrets can be read from it.
    for (const secret of [q.get('state')!, q.get('nonce')!])
      expect(flowCookie).not.toContain(secret);

    const callback = await authorize(browser, start.location!, { account: account.sub });
    const done = await browser.get(callback);
    expectSuccess(done);
    const me = await browser.get(`${SERVER}/user-info`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { email: account.email, firstName: 'Grace', lastName: 'Hopper' },
    });
    const identities = await t.dataSource.query(
      `SELECT provider, issuer, subject FROM tower_auth.identities WHERE subject = $1`,
      [account.sub],
    );
    expect(identities).toEqual([{ provider: 'oidc', issuer: op.issuer, subject: account.sub }]);
  });

  it('signs the same person in again as the same user', async () => {
    const account = op.addAccount();
    const first = t.browser();
    expectSuccess(await signIn(first, 'oidc', account.sub));
    const again = t.browser();
    expectSuccess(await signIn(again, 'oidc', account.sub));
    const a = (await first.get(`${SERVER}/user-info`)).body as { user: { id: number } };
    const b = (await again.get(`${SERVER}/user-info`)).body as { user: { id: number } };
    expect(b.user.id).toBe(a.user.id);
  });

  it('returns to a same-origin path given at the start, and ignores another origin', async () => {
    const account = op.addAccount();
    const page = await signIn(t.browser(), 'oidc', account.sub, '?next=%2Fpipelines%3Fx%3D1');
    expect(page.location).toBe(
      `${SERVER}/auth?success=true&next=${encodeURIComponent('/pipelines?x=1')}`,
    );
    const elsewhere = await signIn(
      t.browser(),
      'oidc',
      account.sub,
      '?next=https%3A%2F%2Fevil.example%2F',
    );
    expectSuccess(elsewhere);
  });

  it('finishes a form POST callback (response_mode=form_post) the same way', async () => {
    const account = op.addAccount();
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    const callback = new URL(await authorize(browser, start.location!, { account: account.sub }));
    const done = await browser.post(
      `${SERVER}/api/oauth/callback/oidc`,
      Object.fromEntries(callback.searchParams),
    );
    expectSuccess(done);
    expect((await browser.get(`${SERVER}/user-info`)).body).toMatchObject({
      user: { email: account.email },
    });
  });

  it('refuses an altered state with invalid_state, no session and an audit row', async () => {
    const account = op.addAccount();
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    const callback = new URL(await authorize(browser, start.location!, { account: account.sub }));
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const sessions = await sessionCount(t.dataSource);
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await browser.get(callback.href), 'invalid_state');
    expect(await sessionCount(t.dataSource)).toBe(sessions);
    expect(await nextLoginFailure(t.dataSource, audit)).toMatchObject({
      provider: 'oidc',
      detail: { code: 'invalid_state', reason: 'the state does not match the flow' },
    });
  });

  it('answers access_denied when the user refuses at the provider', async () => {
    const browser = t.browser();
    const start = await startLogin(browser, 'oidc');
    const callback = await authorize(browser, start.location!, { abort: true });
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await browser.get(callback), 'access_denied');
    expect((await nextLoginFailure(t.dataSource, audit)).detail).toMatchObject({
      code: 'access_denied',
    });
  });

  it('refuses email_verified: false with email_unverified', async () => {
    const account = op.addAccount({ email_verified: false });
    expectFailure(await signIn(t.browser(), 'oidc', account.sub), 'email_unverified');
  });

  it('sends GET /oauth/logout to the provider end_session_endpoint and revokes the session', async () => {
    const account = op.addAccount();
    const browser = t.browser();
    const login = await signIn(browser, 'oidc', account.sub);
    expectSuccess(login);
    expect(login.setCookies).toContainEqual(
      expect.stringMatching(
        /^TOWER_OIDC_LOGOUT=v1\.[\w-]+; Path=\/oauth\/logout; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
      ),
    );
    const out = await browser.get(`${SERVER}/oauth/logout`);
    expect(out.status).toBe(303);
    const target = new URL(out.location!);
    expect(`${target.origin}${target.pathname}`).toBe(`${op.issuer}/session/end`);
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${SERVER}/logout`);
    expect(target.searchParams.get('client_id')).toBe(op.clientId);
    // The id_token kept at login (sealed, sent only to /oauth/logout) goes along as the hint.
    const hint = target.searchParams.get('id_token_hint')!;
    expect(JSON.parse(Buffer.from(hint.split('.')[1], 'base64url').toString())).toMatchObject({
      sub: account.sub,
      iss: op.issuer,
    });
    expect(out.setCookies).toContainEqual(
      expect.stringMatching(/^TOWER_OIDC_LOGOUT=;.*Path=\/oauth\/logout; Max-Age=0/),
    );
    expect(out.setCookies).toContainEqual(expect.stringMatching(/^JWT=;.*Max-Age=0/));
    expect((await browser.get(`${SERVER}/user-info`)).status).toBe(401);
    // The provider accepts the request: it shows its sign-out confirmation.
    expect((await browser.get(out.location!)).status).toBe(200);
  });

  it('lists oidc in /service-info and 404s an unknown or unconfigured provider', async () => {
    const info = await request(t.server).get('/service-info').expect(200);
    expect(info.body.serviceInfo.authTypes).toContain('oidc');
    for (const path of ['/oauth/login/github', '/oauth/login/nope', '/api/oauth/callback/google']) {
      const res = await request(t.server).get(path);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 404,
        body: {
          statusCode: 404,
          error: 'Not Found',
          message: 'No such login provider',
          requestId: expect.any(String),
        },
      });
    }
  });
});
