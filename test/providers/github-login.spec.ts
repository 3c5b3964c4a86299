import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { FakeGithub, type GithubUser } from '../harness/fake-github.js';
import type { Browser, Page } from './browser.js';
import {
  CALLBACK,
  SERVER,
  expectFailure,
  expectSuccess,
  githubEnv,
  lastAuditId,
  nextLoginFailure,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

describe.each(PLATFORMS)('GitHub login on %s', (platform) => {
  let db: TestDatabase;
  let github: FakeGithub;
  let t: ProviderApp;
  let n = 0;
  const unique = (local: string, domain = 'example.com'): string => `${local}-${++n}@${domain}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Shaped like a GitHub Enterprise Server: <server>/login/oauth/* and <server>/api/v3/*.
    github = await FakeGithub.start({ basePath: '/ghe', redirectUri: CALLBACK('github') });
    t = await startProviderApp(platform, {
      DATABASE_URL: db.url,
      ...githubEnv(github),
      TOWER_AUTH_GITHUB_ALLOW_LIST: '*@example.com,*@allowed.example',
    });
  });

  afterAll(async () => {
    await t?.close();
    await github?.close();
    await db?.drop();
  });

  /** Signs `user` in at the fake GitHub and returns the service's answer to the callback. */
  async function signInAs(user: GithubUser, browser: Browser = t.browser()): Promise<Page> {
    github.user = user;
    const start = await startLogin(browser, 'github');
    expect(start.status).toBe(303);
    const authorized = await browser.get(start.location!);
    expect(authorized.location!.startsWith(CALLBACK('github'))).toBe(true);
    return browser.get(authorized.location!);
  }

  async function userInfo(browser: Browser): Promise<Record<string, unknown>> {
    const page = await browser.get(`${SERVER}/user-info`);
    expect(page.status).toBe(200);
    return (page.body as { user: Record<string, unknown> }).user;
  }

  it('uses the GHE endpoints with PKCE, state and the read:user user:email scope', async () => {
    const user = github.newUser([{ email: unique('mona'), primary: true, verified: true }]);
    const seen = github.requests.length;
    const browser = t.browser();
    expectSuccess(await signInAs(user, browser));
    const lines = github.requests.slice(seen).map((r) => r.line.split('?')[0]);
    expect(lines).toEqual([
      'GET /ghe/login/oauth/authorize',
      'POST /ghe/login/oauth/access_token',
      'GET /ghe/api/v3/user',
      'GET /ghe/api/v3/user/emails',
    ]);
    const authorize = new URL(github.requests[seen].line.split(' ')[1], github.url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: github.clientId,
      redirect_uri: CALLBACK('github'),
      scope: 'read:user user:email',
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('state')).toBeTruthy();
    const api = github.requests[seen + 2].headers;
    expect(api['user-agent']).toBeTruthy();
    expect(api.accept).toBe('application/vnd.github+json');
    expect(await userInfo(browser)).toMatchObject({ userName: user.login, firstName: 'Mona' });
    const [identity] = await t.dataSource.query(
      `SELECT issuer, subject FROM tower_auth.identities WHERE provider = 'github' AND subject = $1`,
      [String(user.id)],
    );
    expect(identity).toEqual({ issuer: github.url, subject: String(user.id) });
  });

  it('takes a private primary e-mail from /user/emails', async () => {
    const email = unique('private');
    const user = github.newUser([{ email, primary: true, verified: true, visibility: 'private' }]);
    expect(user.email).toBeNull();
    const browser = t.browser();
    expectSuccess(await signInAs(user, browser));
    expect((await userInfo(browser)).email).toBe(email);
  });

  it('uses a verified secondary address when the primary one is unverified', async () => {
    const secondary = unique('second');
    const user = github.newUser([
      { email: unique('primary'), primary: true, verified: false },
      { email: secondary, primary: false, verified: true },
    ]);
    const browser = t.browser();
    expectSuccess(await signInAs(user, browser));
    expect((await userInfo(browser)).email).toBe(secondary);
  });

  it('refuses an account with no verified e-mail at all', async () => {
    const user = github.newUser([
      { email: unique('a'), primary: true, verified: false },
      { email: unique('b'), primary: false, verified: false },
    ]);
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await signInAs(user), 'email_unverified');
    expect((await nextLoginFailure(t.dataSource, audit)).detail).toMatchObject({
      code: 'email_unverified',
      subject: String(user.id),
    });
  });

  it('admits the login when any verified address is on the allow list', async () => {
    const primary = unique('mona', 'elsewhere.test');
    const user = github.newUser([
      { email: primary, primary: true, verified: true },
      { email: unique('mona', 'allowed.example'), primary: false, verified: true },
    ]);
    const browser = t.browser();
    expectSuccess(await signInAs(user, browser));
    expect((await userInfo(browser)).email).toBe(primary);
  });

  it('refuses the login when only an unverified address is on the allow list', async () => {
    const user = github.newUser([
      { email: unique('eve', 'elsewhere.test'), primary: true, verified: true },
      { email: unique('eve', 'allowed.example'), primary: false, verified: false },
    ]);
    expectFailure(await signInAs(user), 'not_allowed');
  });

  it('answers access_denied when the user cancels at GitHub', async () => {
    github.deny = true;
    try {
      expectFailure(await signInAs(github.newUser([])), 'access_denied');
    } finally {
      github.deny = false;
    }
  });

  it('sends GET /oauth/logout of a GitHub session to / (GitHub has no sign-out endpoint)', async () => {
    const browser = t.browser();
    expectSuccess(
      await signInAs(
        github.newUser([{ email: unique('leaving'), primary: true, verified: true }]),
        browser,
      ),
    );
    const out = await browser.get(`${SERVER}/oauth/logout`);
    expect({ status: out.status, location: out.location }).toEqual({
      status: 303,
      location: `${SERVER}/`,
    });
    expect((await browser.get(`${SERVER}/user-info`)).status).toBe(401);
  });

  it('refuses a replayed code with provider_error (GitHub answers 200 with an error)', async () => {
    const user = github.newUser([{ email: unique('replay'), primary: true, verified: true }]);
    github.user = user;
    const browser = t.browser();
    const start = await startLogin(browser, 'github');
    const callback = (await browser.get(start.location!)).location!;
    const sealed = browser.cookie(SERVER, 'TOWER_OAUTH_FLOW')!;
    expectSuccess(await browser.get(callback));
    const replay = t.browser();
    replay.setCookie(SERVER, 'TOWER_OAUTH_FLOW', sealed);
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await replay.get(callback), 'provider_error');
    const { detail } = await nextLoginFailure(t.dataSource, audit);
    expect(detail.reason).toMatch(/^code exchange: .*error=bad_verification_code/);
    expect(JSON.stringify(detail)).not.toContain(new URL(callback).searchParams.get('code'));
  });
});
