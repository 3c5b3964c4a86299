import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS, TEST_SECRET } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { LogCapture, startMailApp } from './mail-kit.js';

const OIDC = {
  TOWER_OIDC_CLIENT: 'tower',
  TOWER_OIDC_SECRET: 'oidc-secret-value',
  TOWER_OIDC_ISSUER: 'http://localhost:9999/realms/tower',
};

describe.each(PLATFORMS)('when e-mail login is available on %s', (platform) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function expectEmail(env: Record<string, string>, available: boolean): Promise<void> {
    const t = await startMailApp(platform, { DATABASE_URL: db.url, ...env });
    const queued = async (): Promise<number> =>
      (await t.dataSource.query(`SELECT count(*)::int AS n FROM tower_auth.mail_outbox`))[0]
        .n as number;
    try {
      const before = await queued();
      const info = await request(t.server).get('/service-info').expect(200);
      expect((info.body.serviceInfo.authTypes as string[]).includes('email')).toBe(available);
      const gate = await request(t.server)
        .post('/gate/access')
        .send({ email: 'someone@example.com' });
      expect(gate.status).toBe(available ? 200 : 404);
      const login = await request(t.server)
        .post('/login')
        .send({ username: '1', password: 'x'.repeat(43) });
      expect(login.status).toBe(available ? 303 : 404);
      if (!available) {
        expect(gate.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
        expect(await queued()).toBe(before);
      }
      const page = await request(t.server).get('/auth').expect(200);
      expect(page.text.includes('action="http://localhost:8000/gate/access"')).toBe(available);
    } finally {
      await t.close();
    }
  }

  it('disable-email with OIDC configured: 404, and service-info omits email', async () => {
    await expectEmail({ TOWER_AUTH_DISABLE_EMAIL: 'true', ...OIDC }, false);
  });

  it('disable-email with no other provider: e-mail login stays on', async () => {
    await expectEmail({ TOWER_AUTH_DISABLE_EMAIL: 'true' }, true);
  });

  it('a public server URL without an SMTP host: no e-mail login', async () => {
    await expectEmail({ TOWER_SERVER_URL: 'https://tower.example.com', ...OIDC }, false);
  });

  it('the sign-in page lists the other providers', async () => {
    const t = await startMailApp(platform, { DATABASE_URL: db.url, ...OIDC });
    try {
      const page = await request(t.server).get('/auth').expect(200);
      expect(page.text).toContain('href="http://localhost:8000/oauth/login/oidc"');
      expect(page.text).toContain('action="http://localhost:8000/gate/access"');
    } finally {
      await t.close();
    }
  });
});

describe.each(PLATFORMS)('development mode (localhost, no SMTP host) on %s', (platform) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('writes the link to the log on one line marked development only, and the link works', async () => {
    const logs = new LogCapture();
    const t = await startMailApp(
      platform,
      { DATABASE_URL: db.url, TOWER_JWT_SECRET: TEST_SECRET },
      { logs },
    );
    try {
      await request(t.server).post('/gate/access').send({ email: 'dev@example.com' }).expect(200);
      const line = await waitForLine(logs, /DEVELOPMENT ONLY/);
      const link = /(http:\/\/localhost:8000\/auth\?uid=\d+&token=[A-Za-z0-9_-]{43})/.exec(line);
      expect(link).not.toBeNull();
      const url = new URL(link![1]);
      await request(t.server)
        .post('/login')
        .send({ username: url.searchParams.get('uid'), password: url.searchParams.get('token') })
        .expect(303)
        .expect('Location', 'http://localhost:8000/auth?success=true');
      const [row] = await t.dataSource.query(`SELECT status FROM tower_auth.mail_outbox`);
      expect(row.status).toBe('sent');
    } finally {
      await t.close();
    }
  });
});

async function waitForLine(logs: LogCapture, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = logs.lines.filter((line) => pattern.test(line));
    if (found.length > 0) {
      expect(found).toHaveLength(1);
      return found[0];
    }
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
