import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { HttpPlatform } from '../../src/config/service-settings.js';
import { createDataSource } from '../../src/database/data-source.js';
import { MagicLinkService } from '../../packages/tower-auth/src/mail/magic-link.service.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { freePort, linkFrom, TestSmtpServer } from '../harness/smtp.js';
import {
  auditTypes,
  eventually,
  LogCapture,
  outboxRows,
  smtpEnv,
  startMailApp,
  type MailApp,
} from './mail-kit.js';

const NO_LIMITS = {
  TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '1000',
  TOWER_AUTH_RATE_LIMIT_EMAIL_MAX: '1000',
};
/** Retries after 1 s, then 2 s, 4 s...; polls every second. */
const FAST_RETRIES_YAML = `tower:
  auth:
    outbox:
      retry-delay: 1s
      poll-interval: 1s
      max-attempts: MAX
`;

describe.each(PLATFORMS)('the mail outbox on %s', (platform) => {
  let db: TestDatabase;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await db.drop();
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function app(
    port: number,
    options: { maxAttempts?: number; logs?: LogCapture; on?: HttpPlatform } = {},
  ): Promise<MailApp> {
    const yaml = await writeYaml(
      FAST_RETRIES_YAML.replace('MAX', String(options.maxAttempts ?? 8)),
    );
    const t = await startMailApp(
      options.on ?? platform,
      { DATABASE_URL: db.url, TOWER_CONFIG_FILE: yaml, ...smtpEnv(port, NO_LIMITS) },
      { logs: options.logs },
    );
    cleanup.push(() => t.close().catch(() => undefined));
    return t;
  }

  async function smtpOn(port?: number, delayMs = 0): Promise<TestSmtpServer> {
    const smtp = await TestSmtpServer.start({ port, delayMs });
    cleanup.push(() => smtp.stop());
    return smtp;
  }

  it('SMTP down: the request answers at once, the failure is counted, and the mail arrives once SMTP is up', async () => {
    const port = await freePort();
    const logs = new LogCapture();
    const t = await app(port, { logs });
    const addresses = ['down-1@example.com', 'down-2@example.com', 'down-3@example.com'];
    for (const email of addresses) {
      await request(t.server).post('/gate/access').send({ email }).expect(200, { state: 0 });
    }
    const failed = await eventually(async () => {
      const rows = await outboxRows(t.dataSource);
      return rows.length === 3 && rows.every((r) => r.attempts >= 1 && r.last_error) && rows;
    }, 'a failed first attempt of every e-mail');
    for (const row of failed) {
      expect(row.status).toBe('pending');
      expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
    }
    expect(logs.lines.some((l) => /failed \(attempt 1 of 8\), retrying in 1 s/.test(l))).toBe(true);

    const smtp = await smtpOn(port);
    await smtp.waitForMessages(3);
    const sent = await eventually(async () => {
      const rows = await outboxRows(t.dataSource);
      return rows.every((r) => r.status === 'sent') && rows;
    }, 'every e-mail marked sent');
    expect(sent.every((r) => r.attempts >= 2 && r.last_error === null)).toBe(true);
    // Nothing lost, nothing twice: one poll interval later there are still exactly three.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual(addresses);
  });

  it('never waits for SMTP: the answer comes while the server is still taking the message', async () => {
    const smtp = await smtpOn(undefined, 1500);
    const t = await app(smtp.port);
    await request(t.server)
      .post('/gate/access')
      .send({ email: 'slow@example.com' })
      .expect(200, { state: 0 });
    expect(smtp.messages).toHaveLength(0);
    await smtp.waitForMailTo('slow@example.com');
  });

  it('seals the queued e-mail: no link, token or message text in the row, and empties it once sent', async () => {
    const port = await freePort();
    const t = await app(port);
    await request(t.server).post('/gate/access').send({ email: 'sealed@example.com' }).expect(200);
    const [queued] = await outboxRows(t.dataSource);
    const stored = queued.payload.toString('latin1');
    expect(stored).not.toMatch(/auth\?uid|token=|Sign in|sealed@/);
    const smtp = await smtpOn(port);
    const { token } = linkFrom(await smtp.waitForMailTo('sealed@example.com'));
    expect(queued.payload.includes(Buffer.from(token))).toBe(false);
    const sent = await eventually(async () => {
      const [row] = await outboxRows(t.dataSource);
      return row.status === 'sent' && row;
    }, 'the row marked sent');
    expect(sent.payload).toHaveLength(0);
  });

  it('gives up after max-attempts: the row is failed with the error, and mail_failed is audited', async () => {
    const port = await freePort();
    const t = await app(port, { maxAttempts: 2 });
    await request(t.server).post('/gate/access').send({ email: 'lost@example.com' }).expect(200);
    const row = await eventually(async () => {
      const [r] = await outboxRows(t.dataSource);
      return r?.status === 'failed' && r;
    }, 'the row marked failed');
    expect(row.attempts).toBe(2);
    expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(row.payload).toHaveLength(0);
    const [detail] = await auditTypes(t.dataSource, 'mail_failed');
    expect(detail).toMatchObject({ outboxId: row.id, attempts: 2 });
  });

  it('shutdown lets a send in flight finish before the app closes', async () => {
    const smtp = await smtpOn(undefined, 1500);
    const t = await app(smtp.port);
    await request(t.server).post('/gate/access').send({ email: 'closing@example.com' }).expect(200);
    await eventually(async () => (await outboxRows(t.dataSource))[0]?.attempts === 1, 'the claim');
    await t.close();
    expect(smtp.messages.flatMap((m) => m.to)).toEqual(['closing@example.com']);
    const [row] = await query(db.url, `SELECT status FROM tower_auth.mail_outbox`);
    expect(row.status).toBe('sent');
  });

  it('several instances on one database send every e-mail exactly once', async () => {
    const smtp = await smtpOn(undefined, 50);
    const other: HttpPlatform = platform === 'fastify' ? 'express' : 'fastify';
    const instances = [
      await app(smtp.port),
      await app(smtp.port, { on: other }),
      await app(smtp.port),
    ];
    const addresses = Array.from({ length: 30 }, (_, i) => `many-${i}@example.com`);
    await Promise.all(
      addresses.map((email, i) =>
        request(instances[i % 3].server)
          .post('/gate/access')
          .send({ email })
          .expect(200),
      ),
    );
    await smtp.waitForMessages(30, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual([...addresses].sort());
    const rows = await outboxRows(instances[0].dataSource);
    expect(rows.map((r) => `${r.status}/${r.attempts}`)).toEqual(Array(30).fill('sent/1'));
  });
});

/** A query on the test database after the app (and its pool) is gone. */
async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const ds = await createDataSource(url).initialize();
  try {
    return await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

async function writeYaml(text: string): Promise<string> {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const os = await import('node:os');
  const dir = await mkdtemp(join(os.tmpdir(), 'tower-outbox-'));
  const file = join(dir, 'tower.yml');
  await writeFile(file, text);
  return file;
}

describe('the mail outbox at shutdown, with a send that does not finish', () => {
  it('abandons it after the drain timeout and leaves the row leased for a later retry', async () => {
    const db = await createTestDatabase();
    const smtp = await TestSmtpServer.start({ delayMs: 20_000 });
    try {
      const t = await startMailApp('fastify', { DATABASE_URL: db.url, ...smtpEnv(smtp.port) });
      await t.app.get(MagicLinkService).request('stuck@example.com', {
        ipAddress: null,
        userAgent: null,
      });
      await eventually(
        async () => (await outboxRows(t.dataSource))[0]?.attempts === 1,
        'the claim',
      );
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(10_000);
      const [row] = await query(
        db.url,
        `SELECT status, attempts, last_error, next_attempt_at > now() + interval '60 seconds' AS leased
           FROM tower_auth.mail_outbox`,
      );
      expect(row).toEqual({ status: 'pending', attempts: 1, last_error: null, leased: true });
    } finally {
      await smtp.stop();
      await db.drop();
    }
  });
});
