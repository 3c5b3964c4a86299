import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MagicLinkService } from '../../packages/tower-auth/src/mail/magic-link.service.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { selfSignedCertificate, TestSmtpServer, type TestCertificate } from '../harness/smtp.js';
import { eventually, outboxRows, smtpEnv, startMailApp } from './mail-kit.js';

const USER = 'tower-mailer';
const PASS = 'correct horse battery staple';

/**
 * The test server offers STARTTLS with a self-signed certificate and refuses AUTH and MAIL FROM
 * before it, and requires AUTH: a mail arrives only when every TOWER_SMTP_* setting reached it.
 */
describe('SMTP authentication and STARTTLS', () => {
  let db: TestDatabase;
  let cert: TestCertificate;
  let smtp: TestSmtpServer;

  const secure = (): Record<string, string> => ({
    TOWER_SMTP_USER: USER,
    TOWER_SMTP_PASSWORD: PASS,
    TOWER_SMTP_AUTH: 'true',
    TOWER_SMTP_STARTTLS_ENABLED: 'true',
    TOWER_SMTP_STARTTLS_REQUIRED: 'true',
    TOWER_SMTP_CA_FILE: cert.caFile,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    cert = selfSignedCertificate();
    smtp = await TestSmtpServer.start({ auth: { user: USER, pass: PASS }, starttls: cert });
  });

  afterAll(async () => {
    await smtp?.stop();
    await db?.drop();
    cert?.remove();
  });

  it.each(PLATFORMS)('delivers over STARTTLS as the configured user (%s)', async (platform) => {
    const t = await startMailApp(platform, {
      DATABASE_URL: db.url,
      ...smtpEnv(smtp.port, secure()),
    });
    try {
      const email = `tls-${platform}@example.com`;
      await request(t.server).post('/gate/access').send({ email }).expect(200);
      const mail = await smtp.waitForMailTo(email);
      expect(mail.session).toEqual({ secure: true, user: USER });
    } finally {
      await t.close();
    }
  });

  /** One attempt with these settings; resolves with the row's error once it failed. */
  async function failureWith(overrides: Record<string, string | undefined>): Promise<string> {
    const t = await startMailApp('fastify', {
      DATABASE_URL: db.url,
      ...smtpEnv(smtp.port, secure()),
      ...overrides,
    });
    const email = `fail-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    try {
      await t.app.get(MagicLinkService).request(email, { ipAddress: null, userAgent: null });
      const row = await eventually(async () => {
        const r = (await outboxRows(t.dataSource)).find((x) => x.recipient === email);
        return r && r.attempts >= 1 && r.last_error !== null && r;
      }, 'a failed attempt');
      expect(row.status).toBe('pending');
      expect(smtp.messages.flatMap((m) => m.to)).not.toContain(email);
      return row.last_error!;
    } finally {
      await t.close();
    }
  }

  it('a wrong password reaches the server and is refused', async () => {
    const before = smtp.authFailures;
    const error = await failureWith({ TOWER_SMTP_PASSWORD: 'wrong password' });
    expect(error).toMatch(/EAUTH|Invalid/i);
    expect(error).not.toContain('wrong password');
    expect(smtp.authFailures).toBeGreaterThan(before);
  });

  it('without the CA file the self-signed certificate is refused (checks stay on)', async () => {
    const error = await failureWith({ TOWER_SMTP_CA_FILE: undefined });
    expect(error).toMatch(/certificate/i);
  });

  it('without STARTTLS the server refuses to authenticate in the clear', async () => {
    const error = await failureWith({
      TOWER_SMTP_STARTTLS_ENABLED: 'false',
      TOWER_SMTP_STARTTLS_REQUIRED: 'false',
    });
    expect(error).toMatch(/STARTTLS/i);
  });

  it('TOWER_SMTP_AUTH=false sends no credentials, and this server requires them', async () => {
    const error = await failureWith({ TOWER_SMTP_AUTH: 'false' });
    expect(error).toMatch(/auth/i);
  });
});
