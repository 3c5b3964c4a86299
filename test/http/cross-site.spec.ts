import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { SessionService } from '../../packages/tower-auth/src/sessions/session.service.js';
import { createUser } from '../factories/users.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { linkFrom, TestSmtpServer } from '../harness/smtp.js';
import { outboxRows, smtpEnv, startMailApp, type MailApp } from '../mail/mail-kit.js';

const SERVER_URL = 'http://localhost:8000';
/** What a browser adds to a form post made by a page of another site. */
const FROM_EVIL = { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' };
/** What it adds when the page is our own. */
const FROM_US = { Origin: SERVER_URL, 'Sec-Fetch-Site': 'same-origin' };
/** Every way a browser tells another site made the request. */
const ELSEWHERE: Record<string, string>[] = [
  FROM_EVIL,
  { 'Sec-Fetch-Site': 'cross-site' },
  { 'Sec-Fetch-Site': 'same-site' },
  { Origin: 'https://evil.example' },
  { Origin: 'https://sub.localhost:8000' },
  { Origin: 'null' },
];

function setCookies(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

function expectRefused(res: request.Response): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 403,
    body: {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Cross-site request refused',
      requestId: expect.any(String),
    },
  });
  expect(setCookies(res)).toEqual([]);
}

describe.each(PLATFORMS)('requests another site makes a browser send, on %s', (platform) => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let t: MailApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    t = await startMailApp(platform, {
      DATABASE_URL: db.url,
      ...smtpEnv(smtp.port, { TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '500' }),
    });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await db?.drop();
  });

  async function linkFor(email: string): Promise<{ uid: string; token: string }> {
    await request(t.server).post('/gate/access').send({ email }).expect(200);
    return linkFrom(await smtp.waitForMailTo(email));
  }

  async function consumed(token: string): Promise<boolean> {
    const [row] = await t.dataSource.query(
      `SELECT consumed_at FROM tower_auth.magic_link_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
      [token],
    );
    return (row as { consumed_at: Date | null }).consumed_at !== null;
  }

  /** A signed-in browser: its cookie header, and a check that the session still works. */
  async function signedIn(): Promise<{ cookie: string; alive: () => Promise<boolean> }> {
    const user = await createUser(t.dataSource);
    const tokens = await t.app.get(SessionService).startSession(user, 'email', {
      userAgent: 'jest',
      ipAddress: '127.0.0.1',
    });
    const cookie = `JWT=${tokens.accessToken}`;
    const alive = async (): Promise<boolean> =>
      (await request(t.server).get('/user-info').set('Cookie', cookie)).status === 200;
    return { cookie, alive };
  }

  it("refuses another site's form post of a sign-in link before using it; our own page's post then signs in", async () => {
    // The attacker asks for a link to their own mailbox and has the victim's browser post it.
    const { uid, token } = await linkFor('mallory@example.com');
    for (const headers of ELSEWHERE) {
      for (const path of ['/login', '/api/login']) {
        const res = await request(t.server)
          .post(path)
          .set(headers)
          .type('form')
          .send({ username: uid, password: token });
        expectRefused(res);
      }
    }
    const json = await request(t.server)
      .post('/login')
      .set(FROM_EVIL)
      .set('Accept', 'application/json')
      .send({ username: uid, password: token });
    expectRefused(json);
    expect(await consumed(token)).toBe(false);

    const ours = await request(t.server)
      .post('/login')
      .set(FROM_US)
      .type('form')
      .send({ username: uid, password: token })
      .expect(303);
    expect(ours.headers.location).toBe(`${SERVER_URL}/auth?success=true`);
    expect(
      setCookies(ours)
        .map((c) => c.split('=')[0])
        .sort(),
    ).toEqual(['JWT', 'JWT_REFRESH_TOKEN']);
    expect(await consumed(token)).toBe(true);
  });

  it('still signs in a client that sends neither header (Nextflow, curl)', async () => {
    const { uid, token } = await linkFor('curl@example.com');
    const res = await request(t.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: token })
      .expect(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer' });
  });

  it('refuses a sign-in link request from another site: no user, no e-mail', async () => {
    for (const headers of ELSEWHERE) {
      const res = await request(t.server)
        .post('/gate/access')
        .set(headers)
        .type('form')
        .send({ email: 'victim@example.com' });
      expectRefused(res);
    }
    const users = await t.dataSource.query(`SELECT 1 FROM tower_auth.users WHERE email = $1`, [
      'victim@example.com',
    ]);
    expect(users).toEqual([]);
    const recipients = (await outboxRows(t.dataSource)).map((r) => r.recipient);
    expect(recipients).not.toContain('victim@example.com');

    await request(t.server)
      .post('/gate/access')
      .set(FROM_US)
      .send({ email: 'victim@example.com' })
      .expect(200, { state: 0 });
  });

  it('refuses a cookie sign-out posted by another site; the session lives', async () => {
    const { cookie, alive } = await signedIn();
    for (const headers of ELSEWHERE) {
      const res = await request(t.server).post('/logout').set('Cookie', cookie).set(headers);
      expectRefused(res);
    }
    expect(await alive()).toBe(true);
    const ours = await request(t.server)
      .post('/logout')
      .set('Cookie', cookie)
      .set(FROM_US)
      .expect(303);
    expect(setCookies(ours)).toContainEqual(expect.stringMatching(/^JWT=;.*Max-Age=0/));
    expect(await alive()).toBe(false);
  });

  it('still signs out a Bearer client that sends neither header (Nextflow)', async () => {
    const user = await createUser(t.dataSource);
    const tokens = await t.app.get(SessionService).startSession(user, 'email', {
      userAgent: 'nextflow',
      ipAddress: '127.0.0.1',
    });
    await request(t.server)
      .post('/logout')
      .auth(tokens.accessToken, { type: 'bearer' })
      .set('Accept', 'application/json')
      .expect(200, { loggedOut: true });
    await request(t.server)
      .get('/user-info')
      .auth(tokens.accessToken, { type: 'bearer' })
      .expect(401);
  });

  it('answers a sign-out link from another site with a "Sign out?" page and ends nothing', async () => {
    const { cookie, alive } = await signedIn();
    for (const site of ['cross-site', 'same-site']) {
      const page = await request(t.server)
        .get('/logout')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', site)
        .expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
      expect(page.text).toContain('<h1>Sign out of Tower Test?</h1>');
      expect(page.text).toContain(`<form method="post" action="${SERVER_URL}/logout">`);
      expect(page.text).not.toMatch(/<script/i);
      expect(setCookies(page)).toEqual([]);

      const oidc = await request(t.server)
        .get('/oauth/logout')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', site)
        .expect(200);
      expect(oidc.text).toContain(`<form method="get" action="${SERVER_URL}/oauth/logout">`);
      expect(setCookies(oidc)).toEqual([]);
    }
    expect(await alive()).toBe(true);

    // The page's button: a post from our own origin.
    await request(t.server).post('/logout').set('Cookie', cookie).set(FROM_US).expect(303);
    expect(await alive()).toBe(false);
  });

  it('sends a cross-site sign-out link without a session on to / and clears nothing', async () => {
    const res = await request(t.server)
      .get('/logout')
      .set('Sec-Fetch-Site', 'cross-site')
      .expect(303);
    expect(res.headers.location).toBe(`${SERVER_URL}/`);
    expect(setCookies(res)).toEqual([]);
  });

  it('still signs out on a same-origin, typed-in or header-less GET', async () => {
    for (const headers of [{ 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}]) {
      const { cookie, alive } = await signedIn();
      const res = await request(t.server)
        .get('/logout')
        .set('Cookie', cookie)
        .set(headers)
        .expect(303);
      expect(setCookies(res)).toContainEqual(expect.stringMatching(/^JWT=;.*Max-Age=0/));
      expect(await alive()).toBe(false);
    }
    const { cookie, alive } = await signedIn();
    await request(t.server)
      .get('/oauth/logout')
      .set('Cookie', cookie)
      .set('Sec-Fetch-Site', 'same-origin')
      .expect(303);
    expect(await alive()).toBe(false);
  });

  it('refuses a refresh posted by another site', async () => {
    const user = await createUser(t.dataSource);
    const tokens = await t.app.get(SessionService).startSession(user, 'email', {
      userAgent: 'jest',
      ipAddress: '127.0.0.1',
    });
    const res = await request(t.server)
      .post('/oauth/access_token')
      .set('Cookie', `JWT_REFRESH_TOKEN=${tokens.refreshToken}`)
      .set(FROM_EVIL);
    expectRefused(res);
    await request(t.server)
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken })
      .expect(200);
  });
});
