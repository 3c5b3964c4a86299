import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import pg from 'pg';
import request from 'supertest';
import { PURGE_APPLICATION_NAME } from '../../packages/tower-auth/src/purge/purge.repository.js';
import {
  PurgeService,
  type PurgeResult,
} from '../../packages/tower-auth/src/purge/purge.service.js';
import { createApp } from '../../src/app/create-app.js';
import { testConfig } from '../harness/app.js';
import { untilRefused } from '../harness/until-refused.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { PGBOUNCER, startPgBouncer, type PgBouncer } from '../harness/pgbouncer.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { seedRows } from '../purge/garbage.js';

/*
 * Behind a real PgBouncer in transaction pooling mode (DATABASE_URL), with Postgres itself in
 * DATABASE_DIRECT_URL: revocations still reach every instance and the purge lock still holds.
 * Without the direct URL the service says at boot that LISTEN does not work, and is not ready.
 */

if (!PGBOUNCER) {
  console.warn('PgBouncer tests skipped: no pgbouncer (apt-get install pgbouncer; .ci/run does).');
}
const withPgBouncer = PGBOUNCER ? describe : describe.skip;

type Ran = Extract<PurgeResult, { ran: true }>;

withPgBouncer('behind PgBouncer (transaction mode) with DATABASE_DIRECT_URL', () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let a: SessionApp;
  let b: SessionApp;
  let sql: pg.Client;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    bouncer = await startPgBouncer(db.url);
    const env = { DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: db.url };
    [a, b] = await Promise.all([startSessionApp('fastify', env), startSessionApp('express', env)]);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sql?.end();
    await bouncer?.stop();
    await db?.drop();
  });

  it('is ready on both instances', async () => {
    for (const t of [a, b]) {
      const res = await request(t.server).get('/health/ready').expect(200);
      expect(res.body.checks).toMatchObject({ revocations: 'listening', migrations: 'applied' });
    }
  });

  it('login on A, refresh on B, sign-out on B: A refuses the token within a second', async () => {
    const { tokens } = await a.login();
    const refreshed = await request(b.server)
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken })
      .expect(200);
    const access = (refreshed.body as { access_token: string }).access_token;
    await request(a.server).get('/demo/me').auth(access, { type: 'bearer' }).expect(200);
    await request(a.server).get('/user-info').auth(access, { type: 'bearer' }).expect(200);

    await request(b.server).post('/logout').auth(access, { type: 'bearer' }).expect(303);
    const { status, elapsedMs } = await untilRefused(a.server, access);
    expect(status).toBe(401);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('two instances asked to purge at once: one purges, the other stands aside', async () => {
    await seedRows(sql, 2_000, 0);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      // Stall the first run on a table lock, so that both runs overlap for sure.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tower_auth.audit_events IN SHARE MODE');
      const running = a.app.get(PurgeService).runOnce();
      await waitFor(async () => (await purgeWaiting(sql)) === 1);
      expect(await b.app.get(PurgeService).runOnce()).toEqual({ ran: false });
      await holder.query('COMMIT');
      const result = (await running) as Ran;
      expect(result).toMatchObject({ ran: true, total: 2_000, failed: [] });
    } finally {
      await holder.end();
    }
    // The lock went with the run (no pooled server connection kept it): B purges now.
    expect(await b.app.get(PurgeService).runOnce()).toMatchObject({ ran: true, total: 0 });
    expect(await a.app.get(PurgeService).runOnce()).toMatchObject({ ran: true, total: 0 });
  }, 60_000);
});

withPgBouncer('behind PgBouncer (transaction mode) without DATABASE_DIRECT_URL', () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  const lines: { level: string; message: string }[] = [];
  const capture =
    (level: string) =>
    (message: unknown): void => {
      lines.push({ level, message: String(message) });
    };
  const logger: LoggerService = {
    log: capture('log'),
    warn: capture('warn'),
    error: capture('error'),
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer(db.url);
  });

  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('says at boot that revocations cannot be heard, and is not ready', async () => {
    const app = await createApp(testConfig({ DATABASE_URL: bouncer.url }), {
      platform: 'fastify',
      logger,
    });
    try {
      await app.init();
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
      const errors = lines.filter((l) => l.level === 'error').map((l) => l.message);
      expect(errors).toEqual([expect.stringContaining('set DATABASE_DIRECT_URL')]);
      expect(errors[0]).toMatch(/revocations would not reach other instances/);
      // The URL (it may hold a password) is never logged.
      expect(errors[0]).not.toContain(bouncer.url);

      const server = app.getHttpServer() as Server;
      const ready = await request(server).get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({
        message: 'Not ready: revocations',
        checks: { database: 'up', revocations: 'not-delivered' },
      });
      await request(server).get('/health/live').expect(200);
      await request(server).get('/health').expect(200);
    } finally {
      await app.close();
    }
  });
});

async function purgeWaiting(sql: pg.Client): Promise<number> {
  const { rows } = await sql.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database() AND wait_event_type = 'Lock'`,
    [PURGE_APPLICATION_NAME],
  );
  return rows[0].waiting;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
