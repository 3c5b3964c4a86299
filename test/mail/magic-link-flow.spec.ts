import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestClock } from '../harness/session-app.js';
import { linkFrom, TestSmtpServer } from '../harness/smtp.js';
import {
  auditTypes,
  CONTACT,
  LogCapture,
  smtpEnv,
  startMailApp,
  type MailApp,
} from './mail-kit.js';

const SERVER_URL = 'http://localhost:8000';

function cookieHeader(setCookie: string[] | string | undefined): string[] {
  return [setCookie ?? []].flat();
}

describe.each(PLATFORMS)('magic-link login on %s', (platform) => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let t: MailApp;
  const clock = new TestClock();
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    t = await startMailApp(
      platform,
      { DATABASE_URL: db.url, ...smtpEnv(smtp.port, { TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '500' }) },
      { clock, logs },
    );
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await db?.drop();
  });

  async function requestLink(email: string, nth = 1): Promise<ReturnType<typeof linkFrom>> {
    await request(t.server).post('/gate/access').send({ email }).expect(200, { state: 0 });
    return linkFrom(await smtp.waitForMailTo(email.trim().toLowerCase(), nth));
  }

  async function consumedAt(token: string): Promise<Date | null> {
    const rows: { consumed_at: Date | null }[] = await t.dataSource.query(
      `SELECT consumed_at FROM tower_auth.magic_link_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
      [token],
    );
    expect(rows).toHaveLength(1);
    return rows[0].consumed_at;
  }

  it('e-mails a link; GET and HEAD only show a page; the button signs in once', async () => {
    await request(t.server)
      .post('/gate/access')
      .send({ email: '  Ada.Lovelace@Example.com ' })
      .expect(200, { state: 0 });
    const mail = await smtp.waitForMailTo('ada.lovelace@example.com');
    expect(mail.from).toBe(CONTACT);
    expect(mail.subject).toBe('Tower Test Sign in');
    expect(mail.text).toContain('valid for 30 minutes');
    expect(mail.text).toMatch(/did not request this e-mail.*ignore it/);
    const { url, uid, token } = linkFrom(mail);
    expect(`${url.origin}${url.pathname}`).toBe(`${SERVER_URL}/auth`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail.html).toContain(`${SERVER_URL}/auth?uid=${uid}&amp;token=${token}`);

    const page = `${url.pathname}${url.search}`;
    for (let i = 0; i < 5; i++) {
      const res = await request(t.server).get(page).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('Sign in as ad**********@example.com');
      expect(res.text).toContain(`action="${SERVER_URL}/login"`);
      expect(res.text).toContain(`name="password" value="${token}"`);
      expect(res.text).not.toMatch(/<script|javascript:|http-equiv/i);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('strict-origin');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy']).not.toMatch(/script-src|unsafe-inline/);
    }
    const head = await request(t.server).head(page).expect(200);
    expect(head.text ?? '').toBe('');
    expect(await consumedAt(token)).toBeNull();

    const login = await request(t.server)
      .post('/login')
      .type('form')
      .send({ username: uid, password: token })
      .expect(303);
    expect(login.headers.location).toBe(`${SERVER_URL}/auth?success=true`);
    const cookies = cookieHeader(login.headers['set-cookie']);
    expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual(['JWT', 'JWT_REFRESH_TOKEN']);
    expect(await consumedAt(token)).not.toBeNull();

    const jwt = cookies.find((c) => c.startsWith('JWT='))!.split(';')[0];
    const me = await request(t.server).get('/user-info').set('Cookie', jwt).expect(200);
    expect(me.body.user).toMatchObject({ id: Number(uid), email: 'ada.lovelace@example.com' });

    const again = await request(t.server)
      .post('/login')
      .type('form')
      .send({ username: uid, password: token })
      .expect(303);
    expect(again.headers.location).toBe(`${SERVER_URL}/auth?success=false&error=invalid_link`);
    expect(again.headers['set-cookie']).toBeUndefined();

    // A used link shows nothing about whom it was for.
    const used = await request(t.server).get(page).expect(200);
    expect(used.text).not.toContain('@example.com');

    for (const type of ['magic_link_requested', 'mail_sent', 'magic_link_redeemed']) {
      await auditTypes(t.dataSource, type);
    }
    // The token travels by e-mail only: it is in no log line.
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.filter((line) => line.includes(token))).toEqual([]);
  });

  it('answers a JSON client with the token body, and a JSON 401 for a used link', async () => {
    const { uid, token } = await requestLink('grace@example.com');
    const ok = await request(t.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: token })
      .expect(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', username: expect.any(String) });
    await request(t.server)
      .get('/user-info')
      .set('Authorization', `Bearer ${ok.body.access_token}`)
      .expect(200);
    const used = await request(t.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: token })
      .expect(401);
    expect(used.body).toMatchObject({ statusCode: 401, error: 'invalid_link' });
  });

  it('50 concurrent POSTs of one link start exactly one session', async () => {
    const { uid, token } = await requestLink('race@example.com');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        request(t.server).post('/login').type('form').send({ username: uid, password: token }),
      ),
    );
    const locations = answers.map((r) => `${r.status} ${r.headers.location}`);
    expect(locations.filter((l) => l === `303 ${SERVER_URL}/auth?success=true`)).toHaveLength(1);
    expect(
      locations.filter((l) => l === `303 ${SERVER_URL}/auth?success=false&error=invalid_link`),
    ).toHaveLength(49);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM tower_auth.sessions WHERE user_id = $1`,
      [uid],
    );
    expect(n).toBe(1);
  });

  it('a new link leaves an older, unexpired one working; each works once', async () => {
    const first = await requestLink('twice@example.com', 1);
    const second = await requestLink('twice@example.com', 2);
    expect(second.token).not.toBe(first.token);
    for (const link of [first, second]) {
      const ok = await request(t.server)
        .post('/login')
        .send({ username: link.uid, password: link.token })
        .expect(303);
      expect(ok.headers.location).toBe(`${SERVER_URL}/auth?success=true`);
    }
  });

  it('a token only works with its own user id, and the page reveals nothing for a wrong pair', async () => {
    const victim = await requestLink('victim@example.com');
    const other = await requestLink('other@example.com');
    const page = await request(t.server)
      .get(`/auth?uid=${other.uid}&token=${victim.token}`)
      .expect(200);
    expect(page.text).not.toContain('@example.com');
    expect(page.text).toContain('Sign in to Tower Test');
    const res = await request(t.server)
      .post('/login')
      .send({ username: other.uid, password: victim.token })
      .expect(303);
    expect(res.headers.location).toContain('error=invalid_link');
    // The refused attempt did not burn the victim's link.
    await request(t.server)
      .post('/login')
      .send({ username: victim.uid, password: victim.token })
      .expect(303)
      .expect('Location', `${SERVER_URL}/auth?success=true`);
  });

  it('escapes whatever the query carries and never echoes markup', async () => {
    const evil = '"><script>alert(1)</script><img src=x onerror=alert(1)>';
    const res = await request(t.server).get('/auth').query({ uid: evil, token: evil }).expect(200);
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('<img');
    expect(res.text).toContain('&lt;script&gt;');
    const failure = await request(t.server)
      .get('/auth')
      .query({ success: 'false', error: evil })
      .expect(200);
    expect(failure.text).not.toContain('<script>');
    expect(failure.text).toContain('Sign-in failed');
  });

  it('refuses a link after its validity (auth.mail.duration)', async () => {
    const { uid, token } = await requestLink('late@example.com');
    clock.advance(30 * 60 + 1);
    const page = await request(t.server).get(`/auth?uid=${uid}&token=${token}`).expect(200);
    expect(page.text).not.toContain('la**@example.com');
    const res = await request(t.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: token })
      .expect(401);
    expect(res.body.error).toBe('invalid_link');
  });
});

describe.each(PLATFORMS)('redeeming a link re-checks the account on %s', (platform) => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let open: MailApp;
  let strict: MailApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    // Two instances on one database, as after a change of the allow list and a rolling restart.
    open = await startMailApp(platform, { DATABASE_URL: db.url, ...smtpEnv(smtp.port) });
    strict = await startMailApp(platform, {
      DATABASE_URL: db.url,
      ...smtpEnv(smtp.port, { TOWER_AUTH_EMAIL_ALLOW_LIST: '*@company.com' }),
    });
  });

  afterAll(async () => {
    await open?.close();
    await strict?.close();
    await smtp?.stop();
    await db?.drop();
  });

  async function link(email: string): Promise<ReturnType<typeof linkFrom>> {
    await request(open.server).post('/gate/access').send({ email }).expect(200);
    return linkFrom(await smtp.waitForMailTo(email));
  }

  it('the allow list in force at redemption decides, not the one at request time', async () => {
    const { uid, token } = await link('outsider@example.com');
    await request(strict.server)
      .post('/login')
      .send({ username: uid, password: token })
      .expect(303)
      .expect('Location', `${SERVER_URL}/auth?success=false&error=not_allowed`);
  });

  it('a user disabled after asking for a link cannot redeem it', async () => {
    const { uid, token } = await link('leaver@company.com');
    await open.dataSource.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [
      uid,
    ]);
    const res = await request(open.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: token })
      .expect(401);
    expect(res.body.error).toBe('not_allowed');
  });
});
