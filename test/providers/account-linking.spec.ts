import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { FakeGithub, type GithubUser } from '../harness/fake-github.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import type { Browser, Page } from './browser.js';
import {
  CALLBACK,
  SERVER,
  expectFailure,
  expectSuccess,
  githubEnv,
  oidcEnv,
  signIn,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

describe.each(PLATFORMS)('account linking across providers on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let github: FakeGithub;
  let t: ProviderApp;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({ redirectUris: [CALLBACK('oidc')] });
    github = await FakeGithub.start({ redirectUri: CALLBACK('github') });
    t = await startProviderApp(platform, {
      DATABASE_URL: db.url,
      ...oidcEnv(op),
      ...githubEnv(github),
    });
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await github?.close();
    await db?.drop();
  });

  async function withGithub(user: GithubUser, browser: Browser): Promise<Page> {
    github.user = user;
    const start = await startLogin(browser, 'github');
    return browser.get((await browser.get(start.location!)).location!);
  }

  async function me(browser: Browser): Promise<{ id: string; email: string }> {
    return (
      (await browser.get(`${SERVER}/user-info`)).body as { user: { id: string; email: string } }
    ).user;
  }

  async function identities(userId: string): Promise<string[]> {
    const rows: { provider: string }[] = await t.dataSource.query(
      `SELECT provider FROM tower_auth.identities WHERE user_id = $1 ORDER BY provider`,
      [userId],
    );
    return rows.map((r) => r.provider);
  }

  it('gives the same verified e-mail through OIDC then GitHub one user with two identities', async () => {
    const email = `linked-${++n}@example.com`;
    const viaOidc = t.browser();
    expectSuccess(await signIn(viaOidc, 'oidc', op.addAccount({ email }).sub));
    const viaGithub = t.browser();
    expectSuccess(
      await withGithub(github.newUser([{ email, primary: true, verified: true }]), viaGithub),
    );
    const first = await me(viaOidc);
    expect((await me(viaGithub)).id).toBe(first.id);
    expect(await identities(first.id)).toEqual(['github', 'oidc']);
    const [{ count }] = await t.dataSource.query(
      `SELECT count(*)::int AS count FROM tower_auth.users WHERE lower(email) = $1`,
      [email],
    );
    expect(count).toBe(1);
  });

  it('never links through an unverified e-mail', async () => {
    const email = `owner-${++n}@example.com`;
    const owner = t.browser();
    expectSuccess(await signIn(owner, 'oidc', op.addAccount({ email }).sub));
    const ownerId = (await me(owner)).id;

    // GitHub: the owner's address only as an unverified secondary; the login is someone else.
    const other = `other-${n}@example.com`;
    const claimant = t.browser();
    const user = github.newUser([
      { email: other, primary: true, verified: true },
      { email, primary: false, verified: false },
    ]);
    expectSuccess(await withGithub(user, claimant));
    expect(await me(claimant)).toMatchObject({ email: other });
    expect((await me(claimant)).id).not.toBe(ownerId);

    // OIDC: the owner's address with email_verified false.
    const unverified = op.addAccount({ email, email_verified: false });
    expectFailure(await signIn(t.browser(), 'oidc', unverified.sub), 'email_unverified');
    expect(await identities(ownerId)).toEqual(['oidc']);
  });
});
