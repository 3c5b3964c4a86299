import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MagicLinkService } from '../../packages/tower-auth/src/mail/magic-link.service.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startService, stopService, waitForHealth } from '../harness/service-process.js';
import {
  freePort,
  selfSignedCertificate,
  TestSmtpServer,
  type TestCertificate,
} from '../harness/smtp.js';
import { eventually, outboxRows, smtpEnv, startMailApp } from './mail-kit.js';

const USER = 'tower-mailer';
const PASS = 'correct horse battery staple';
const CLEAR_TEXT_WARNING =
  'TOWER_SMTP_STARTTLS_ENABLED / mail.smtp.starttls.enable is false: sign-in e-mails';

/**
 * How the link and the SMTP password travel, against real SMTP servers with a self-signed
 * certificate: STARTTLS whenever it is offered unless plain text is asked for explicitly (and
 * then a warning at boot), mandatory when required, TLS from the first byte on SMTPS.
 */
describe('SMTP transport security', () => {
  let db: TestDatabase;
  let cert: TestCertificate;
  /** Offers STARTTLS but, like many relays, also takes mail and AUTH without it. */
  let offering: TestSmtpServer;
  /** Does not offer STARTTLS at all. */
  let plain: TestSmtpServer;
  /** Speaks TLS from the first byte, as on port 465. */
  let smtps: TestSmtpServer;

  const credentials = { TOWER_SMTP_USER: USER, TOWER_SMTP_PASSWORD: PASS };

  beforeAll(async () => {
    db = await createTestDatabase();
    cert = selfSignedCertificate();
    const auth = { user: USER, pass: PASS };
    offering = await TestSmtpServer.start({ auth, starttls: cert, plaintextAllowed: true });
    plain = await TestSmtpServer.start({ auth });
    smtps = await TestSmtpServer.start({ auth, implicitTls: cert });
  });

  afterAll(async () => {
    await offering?.stop();
    await plain?.stop();
    await smtps?.stop();
    await db?.drop();
    cert?.remove();
  });

  const address = (what: string): string =>
    `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

  /** Requests a link for `email` through an app with these settings; the outcome is the test's. */
  async function withApp<T>(
    env: Record<string, string | undefined>,
    email: string,
    outcome: (app: Awaited<ReturnType<typeof startMailApp>>) => Promise<T>,
  ): Promise<T> {
    const t = await startMailApp('fastify', { DATABASE_URL: db.url, ...env });
    try {
      await t.app.get(MagicLinkService).request(email, { ipAddress: null, userAgent: null });
      return await outcome(t);
    } finally {
      await t.close();
    }
  }

  it('upgrades with STARTTLS by default when the server offers it, before AUTH', async () => {
    const email = address('default');
    const before = offering.authAttempts.length;
    const env = smtpEnv(offering.port, { ...credentials, TOWER_SMTP_CA_FILE: cert.caFile });
    const mail = await withApp(env, email, () => offering.waitForMailTo(email));
    expect(mail.session).toEqual({ secure: true, user: USER });
    expect(offering.authAttempts.slice(before)).toEqual([{ secure: true }]);
  });

  it('with STARTTLS required, refuses a server that does not offer it: nothing is sent in clear', async () => {
    const email = address('required');
    const env = smtpEnv(plain.port, { ...credentials, TOWER_SMTP_STARTTLS_REQUIRED: 'true' });
    const row = await withApp(env, email, (t) =>
      eventually(async () => {
        const r = (await outboxRows(t.dataSource)).find((x) => x.recipient === email);
        return r && r.attempts >= 1 && r.last_error !== null && r;
      }, 'a failed attempt'),
    );
    // Kept for the outbox to retry, never delivered, and the password never left.
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/STARTTLS/);
    expect(plain.messages.flatMap((m) => m.to)).not.toContain(email);
    expect(plain.authAttempts).toEqual([]);
  });

  it('speaks TLS from the first byte with mail.smtp.ssl.enable, trusting TOWER_SMTP_CA_FILE', async () => {
    const email = address('smtps');
    const env = smtpEnv(smtps.port, {
      ...credentials,
      TOWER_SMTP_SSL_ENABLED: 'true',
      TOWER_SMTP_CA_FILE: cert.caFile,
    });
    const mail = await withApp(env, email, () => smtps.waitForMailTo(email));
    expect(mail.session).toEqual({ secure: true, user: USER });

    // Without the CA file the self-signed certificate is refused: checks stay on.
    const other = address('smtps-untrusted');
    const untrusted = { ...env, TOWER_SMTP_CA_FILE: undefined };
    const error = await withApp(untrusted, other, (t) =>
      eventually(async () => {
        const r = (await outboxRows(t.dataSource)).find((x) => x.recipient === other);
        return r?.last_error ?? undefined;
      }, 'a failed attempt'),
    );
    expect(error).toMatch(/certificate/i);
    expect(smtps.messages.flatMap((m) => m.to)).not.toContain(other);
  });

  it('sends in clear only when STARTTLS is explicitly off, and the built service warns at boot', async () => {
    const port = await freePort();
    const run = startService({
      DATABASE_URL: db.url,
      PORT: String(port),
      TOWER_JWT_SECRET: 'a-jwt-secret-that-is-long-enough-0123456789',
      ...smtpEnv(offering.port, { ...credentials, TOWER_SMTP_STARTTLS_ENABLED: 'false' }),
    });
    try {
      await waitForHealth(port, run, 30_000);
      expect(run.output()).toContain(CLEAR_TEXT_WARNING);
      expect(run.output()).not.toContain(PASS);
      const email = address('clear');
      const res = await fetch(`http://127.0.0.1:${port}/gate/access`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      expect(res.status).toBe(200);
      const mail = await offering.waitForMailTo(email);
      expect(mail.session).toEqual({ secure: false, user: USER });
    } finally {
      expect(await stopService(run)).toBe(0);
    }
  }, 60_000);
});
