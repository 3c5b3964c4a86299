import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestSmtpServer } from '../harness/smtp.js';
import { outboxRows, smtpEnv, startMailApp, type MailApp } from '../mail/mail-kit.js';

/**
 * The SMTP relay refuses every message for a minute while 100 sign-in links are
 * requested through two instances: every request is answered at once, and once the relay
 * recovers all 100 mails arrive, none twice. FAULT_SMTP_REFUSE_MS shortens the outage locally.
 */
const REFUSE_MS = Number(process.env.FAULT_SMTP_REFUSE_MS ?? 60_000);
const LINKS = 100;

let db: TestDatabase;
let smtp: TestSmtpServer;
let apps: MailApp[];

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await TestSmtpServer.start();
  const env = smtpEnv(smtp.port, {
    DATABASE_URL: db.url,
    TOWER_SMTP_AUTH: 'false',
    TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '1000',
  });
  // Retries after 1 s, 2 s, 4 s... (the 7th attempt lands just after a one-minute outage), so
  // the test is about the outage, not about the default 30 s back-off.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tower-fault-smtp-'));
  const yaml = path.join(dir, 'tower.yml');
  writeFileSync(
    yaml,
    'tower:\n  auth:\n    outbox:\n      retry-delay: 1s\n      poll-interval: 1s\n      max-attempts: 12\n',
  );
  const withRetries = { ...env, TOWER_CONFIG_FILE: yaml };
  apps = await Promise.all([
    startMailApp('fastify', withRetries),
    startMailApp('express', withRetries),
  ]);
});

afterAll(async () => {
  for (const app of apps ?? []) await app.close();
  await smtp?.stop();
  await db?.drop();
});

describe('SMTP outage', () => {
  it('loses no e-mail and sends none twice', async () => {
    smtp.refusing = true;
    const outageStarted = Date.now();
    const answers = await Promise.all(
      Array.from({ length: LINKS }, (_, i) =>
        request(apps[i % 2].server)
          .post('/gate/access')
          .send({ email: `person-${i}@outage.example` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: LINKS }, () => 200));
    expect(Date.now() - outageStarted).toBeLessThan(REFUSE_MS / 2);

    await new Promise((r) => setTimeout(r, REFUSE_MS - (Date.now() - outageStarted)));
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.refused).toBeGreaterThanOrEqual(LINKS);
    const during = await outboxRows(apps[0].dataSource);
    expect(during.filter((r) => r.status === 'pending')).toHaveLength(LINKS);
    smtp.refusing = false;

    await smtp.waitForMessages(LINKS, 90_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const recipients = smtp.messages.flatMap((m) => m.to);
    expect(recipients).toHaveLength(LINKS);
    expect(new Set(recipients).size).toBe(LINKS);
    const after = await outboxRows(apps[0].dataSource);
    expect(after.map((r) => r.status)).toEqual(Array.from({ length: LINKS }, () => 'sent'));
    expect(Math.min(...after.map((r) => r.attempts))).toBeGreaterThan(1);
  });
});
