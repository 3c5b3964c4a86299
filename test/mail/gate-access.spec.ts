import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestSmtpServer } from '../harness/smtp.js';
import {
  auditTypes,
  eventually,
  outboxRows,
  smtpEnv,
  startMailApp,
  type MailApp,
} from './mail-kit.js';

let ipCounter = 0;
/** A fresh client address per request, so the per-client limit stays out of the way. */
function nextIp(): string {
  ipCounter += 1;
  return `198.51.100.${ipCounter % 250}`;
}

/** Bodies no address should survive: each gets a 400 (or the generic answer) and no e-mail. */
const HOSTILE_JSON: [string, unknown][] = [
  ['two @', { email: 'a@b@c.com' }],
  ['quoted local part', { email: '"x@evil.com"@company.com' }],
  ['Cyrillic look-alike', { email: 'alice@c\u043empany.com' }],
  ['Greek look-alike', { email: '\u03b1lice@company.com' }],
  ['10 KB string', { email: `${'a'.repeat(10 * 1024)}@company.com` }],
  ['array', { email: ['alice@company.com', 'bob@company.com'] }],
  ['null', { email: null }],
  ['number', { email: 42 }],
  ['object', { email: { address: 'alice@company.com' } }],
  ['missing field', { mail: 'alice@company.com' }],
  ['empty string', { email: '   ' }],
  ['header injection', { email: 'alice@company.com\r\nBcc: x@evil.com' }],
  ['NUL byte', { email: 'alice@company.com\u0000' }],
  ['space inside', { email: 'alice smith@company.com' }],
  ['comment', { email: 'alice(comment)@company.com' }],
  ['no domain', { email: 'alice@' }],
  ['body is an array', [{ email: 'alice@company.com' }]],
  ['body is a string', 'alice@company.com'],
  ['body is null', null],
];

describe.each(PLATFORMS)('POST /gate/access on %s', (platform) => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let t: MailApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    t = await startMailApp(platform, {
      DATABASE_URL: db.url,
      ...smtpEnv(smtp.port, {
        TOWER_TRUST_PROXY: 'true',
        TOWER_AUTH_EMAIL_ALLOW_LIST: '*@company.com',
        TOWER_AUTH_RATE_LIMIT_EMAIL_MAX: '3',
        TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '5',
      }),
    });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await db?.drop();
  });

  function gate(ip = nextIp()): request.Test {
    return request(t.server).post('/gate/access').set('X-Forwarded-For', ip);
  }

  it('answers hostile input with 400 or the generic answer, never a 5xx, and queues no e-mail', async () => {
    const answers: string[] = [];
    for (const [name, body] of HOSTILE_JSON) {
      const res = await gate().set('Content-Type', 'application/json').send(JSON.stringify(body));
      answers.push(`${name}: ${res.status}`);
      expect({ name, ok: [200, 400].includes(res.status) }).toEqual({ name, ok: true });
      if (res.status === 400) expect(res.body).toMatchObject({ statusCode: 400 });
      else expect(res.body).toEqual({ state: 0 });
    }
    const forms = [
      'email=alice%40company.com&email=bob%40company.com',
      'email=',
      `email=${'b'.repeat(10 * 1024)}%40company.com`,
      'email[address]=alice%40company.com',
      'nothing=here',
    ];
    for (const form of forms) {
      const res = await gate().type('form').send(form);
      expect({ form: form.slice(0, 40), status: res.status }).toEqual({
        form: form.slice(0, 40),
        status: 400,
      });
    }
    const malformed = await gate().set('Content-Type', 'application/json').send('{"email": ');
    expect(malformed.status).toBe(400);
    expect(answers.filter((a) => !a.endsWith('400'))).toEqual([]);
    expect(await outboxRows(t.dataSource)).toEqual([]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM tower_auth.users`);
    expect(n).toBe(0);
  });

  it('folds full-width letters (NFKC): the mail goes to the plain address, not another mailbox', async () => {
    await gate().send({ email: '\uff41\uff4c\uff49\uff43\uff45@company.com' }).expect(200);
    const mail = await smtp.waitForMailTo('alice@company.com');
    expect(mail.to).toEqual(['alice@company.com']);
  });

  it('refuses bob@other.com with the same answer as an admitted address: no user, no e-mail', async () => {
    const admitted = await gate().send({ email: 'carol@company.com' });
    const refused = await gate().send({ email: 'bob@other.com' });
    expect(refused.status).toBe(admitted.status);
    expect(refused.body).toEqual(admitted.body);
    expect(refused.headers['content-type']).toBe(admitted.headers['content-type']);
    await smtp.waitForMailTo('carol@company.com');
    const users: { email: string }[] = await t.dataSource.query(
      `SELECT email FROM tower_auth.users`,
    );
    expect(users.map((u) => u.email)).not.toContain('bob@other.com');
    const recipients = (await outboxRows(t.dataSource)).map((r) => r.recipient);
    expect(recipients).not.toContain('bob@other.com');
    expect(smtp.messages.flatMap((m) => m.to)).not.toContain('bob@other.com');
    const [detail] = await auditTypes(t.dataSource, 'magic_link_refused');
    expect(detail).toEqual({ reason: 'allow_list', requestId: expect.any(String) });
  });

  it('limits one address to the configured count, whatever its spelling, with Retry-After', async () => {
    for (const spelling of ['dave@company.com', 'Dave@Company.com', ' DAVE@company.com ']) {
      await gate().send({ email: spelling }).expect(200);
    }
    const limited = await gate().send({ email: 'dave@company.com' }).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    await smtp.waitForMailTo('dave@company.com', 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => m.to.includes('dave@company.com'))).toHaveLength(3);
    const rows = await outboxRows(t.dataSource);
    expect(rows.filter((r) => r.recipient === 'dave@company.com')).toHaveLength(3);
    const details = await auditTypes(t.dataSource, 'magic_link_rate_limited');
    expect(details).toContainEqual({ email: 4, requestId: expect.any(String) });
  });

  it('limits one client address (X-Forwarded-For, trusted here) to the configured count', async () => {
    const ip = '203.0.113.77';
    for (let i = 0; i < 5; i++) {
      await gate(ip)
        .send({ email: `client-${i}@company.com` })
        .expect(200);
    }
    const limited = await gate(ip).send({ email: 'client-5@company.com' }).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The limit is the client's, not everybody's.
    await gate('203.0.113.78').send({ email: 'client-6@company.com' }).expect(200);
    const rows = await outboxRows(t.dataSource);
    expect(rows.map((r) => r.recipient)).not.toContain('client-5@company.com');
    expect(await auditTypes(t.dataSource, 'magic_link_rate_limited')).toContainEqual({
      client: 6,
      requestId: expect.any(String),
    });
  });

  it('behind one trusted proxy, a client rotating the left-most X-Forwarded-For entry stays one client', async () => {
    // The client writes the left part; the proxy appends the address it saw.
    const proxySaw = '203.0.113.90';
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await request(t.server)
        .post('/gate/access')
        .set('X-Forwarded-For', `192.0.2.${i + 1}, ${proxySaw}`)
        .send({ email: `rotate-${i}@company.com` });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const links: { ip_address: string }[] = await t.dataSource.query(
      `SELECT DISTINCT t.ip_address FROM tower_auth.magic_link_tokens t JOIN tower_auth.users u ON u.id = t.user_id
        WHERE u.email LIKE 'rotate-%'`,
    );
    expect(links).toEqual([{ ip_address: proxySaw }]);
    const audited = await eventually(async () => {
      const rows: { ip_address: string }[] = await t.dataSource.query(
        `SELECT ip_address FROM tower_auth.audit_events WHERE type = 'magic_link_rate_limited'
          AND ip_address IN ($1, '192.0.2.6', '192.0.2.7', '192.0.2.8')`,
        [proxySaw],
      );
      return rows.length >= 3 ? rows : undefined;
    }, 'three magic_link_rate_limited rows');
    expect(audited).toEqual(Array(3).fill({ ip_address: proxySaw }));
  });

  it('sends a browser that posted the sign-in form back to the page', async () => {
    const res = await gate()
      .type('form')
      .set('Accept', 'text/html,application/xhtml+xml')
      .send({ email: 'erin@company.com' })
      .expect(303);
    expect(res.headers.location).toBe('http://localhost:8000/auth?requested=true');
    const page = await request(t.server).get('/auth?requested=true').expect(200);
    expect(page.text).toContain('Check your inbox');
  });
});

describe.each(PLATFORMS)('the per-client limit without a trusted proxy on %s', (platform) => {
  let db: TestDatabase;
  let t: MailApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Development mode: no SMTP host, links go to the (silenced) log.
    t = await startMailApp(platform, {
      DATABASE_URL: db.url,
      TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '2',
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('ignores X-Forwarded-For: a client cannot escape the limit by claiming other addresses', async () => {
    for (let i = 0; i < 2; i++) {
      await request(t.server)
        .post('/gate/access')
        .set('X-Forwarded-For', `192.0.2.${i}`)
        .send({ email: `spoof-${i}@example.com` })
        .expect(200);
    }
    await request(t.server)
      .post('/gate/access')
      .set('X-Forwarded-For', '192.0.2.99')
      .send({ email: 'spoof-99@example.com' })
      .expect(429);
  });
});
