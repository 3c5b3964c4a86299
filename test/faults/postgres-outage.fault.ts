import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../../src/database/embedded-postgres.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/**
 * Postgres goes away under load and comes back: token-guarded routes never notice,
 * routes that need the database answer a quick 503 (never 500, never a hang), /health and
 * /health/ready say so while /health/live stays 200, and everything recovers without a
 * restart, the revocation listener (and with it readiness) included.
 */
const OUTAGE_MS = 10_000;
/** A database route must give up within this (connection timeout 5 s plus slack). */
const BOUNDED_MS = 7_000;

let dir: string;
let port: number;
let db: EmbeddedDatabase;
let t: SessionApp;

async function startDatabase(): Promise<void> {
  db = await startEmbeddedPostgres(dir, () => undefined, { port });
}

interface Timed {
  status: number;
  ms: number;
  body: Record<string, unknown>;
  retryAfter?: string;
}

async function timed(work: () => request.Test): Promise<Timed> {
  const started = Date.now();
  const res = await work();
  return {
    status: res.status,
    ms: Date.now() - started,
    body: res.body as Record<string, unknown>,
    retryAfter: res.headers['retry-after'],
  };
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tower-fault-pg-')), 'postgres');
  port = await freePort();
  await startDatabase();
  t = await startSessionApp('fastify', { DATABASE_URL: db.url, DB_MIGRATIONS_RUN: 'true' });
}, 120_000);

afterAll(async () => {
  await t?.close();
  await db?.stop();
});

describe('Postgres outage', () => {
  it('keeps token routes up, answers 503 for database routes, and recovers by itself', async () => {
    const { tokens } = await t.login();
    const bearer = `Bearer ${tokens.accessToken}`;
    const other = await t.login();

    // Steady load on a guarded route for the whole test.
    const guarded: number[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const batch = await Promise.all(
          Array.from({ length: 8 }, () =>
            request(t.server).get('/demo/me').set('Authorization', bearer),
          ),
        );
        guarded.push(...batch.map((r) => r.status));
      }
    })();

    expect((await request(t.server).get('/health')).status).toBe(200);
    expect((await request(t.server).get('/health/ready')).status).toBe(200);
    await db.stop();
    const outageStarted = Date.now();

    const during: Record<string, Timed[]> = { userInfo: [], health: [], ready: [], refresh: [] };
    const live: number[] = [];
    while (Date.now() - outageStarted < OUTAGE_MS) {
      during.userInfo.push(
        await timed(() => request(t.server).get('/user-info').set('Authorization', bearer)),
      );
      during.health.push(await timed(() => request(t.server).get('/health')));
      during.ready.push(await timed(() => request(t.server).get('/health/ready')));
      live.push((await request(t.server).get('/health/live')).status);
      during.refresh.push(
        await timed(() =>
          request(t.server)
            .post('/oauth/access_token')
            .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken }),
        ),
      );
    }
    const guardedDuringOutage = guarded.length;

    for (const [route, answers] of Object.entries(during)) {
      expect({ route, statuses: [...new Set(answers.map((a) => a.status))] }).toEqual({
        route,
        statuses: [503],
      });
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BOUNDED_MS);
    }
    expect(during.userInfo[0].body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is unavailable; please retry shortly',
      requestId: expect.any(String),
    });
    expect(during.userInfo[0].retryAfter).toBe('5');
    expect(during.health[0].body.message).toBe('The database is unavailable');
    expect(during.ready.at(-1)!.body).toMatchObject({
      checks: { database: 'down', migrations: 'unknown', revocations: 'disconnected' },
    });
    expect(new Set(live)).toEqual(new Set([200]));

    await startDatabase();
    // Revoked while the listener is still reconnecting: the reload on reconnect must catch it.
    const revoke = async (): Promise<void> => {
      await t.dataSource.query(`UPDATE tower_auth.sessions SET revoked_at = now() WHERE id = $1`, [
        other.tokens.sessionId,
      ]);
    };
    await eventually(
      () =>
        revoke().then(
          () => true,
          () => false,
        ),
      (ok) => ok,
      30_000,
    );

    const health = await eventually(
      () => request(t.server).get('/health'),
      (res) => res.status === 200,
      30_000,
    );
    expect(health.status).toBe(200);
    // Ready again once the listener is back too, without a restart.
    const ready = await eventually(
      () => request(t.server).get('/health/ready'),
      (res) => res.status === 200,
      30_000,
    );
    expect(ready.body).toMatchObject({ status: 'ok', checks: { revocations: 'listening' } });
    expect((await request(t.server).get('/user-info').set('Authorization', bearer)).status).toBe(
      200,
    );
    const refreshed = await request(t.server)
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
    expect(refreshed.status).toBe(200);

    const revoked = await eventually(
      () =>
        request(t.server)
          .get('/demo/me')
          .set('Authorization', `Bearer ${other.tokens.accessToken}`),
      (res) => res.status === 401,
      30_000,
    );
    expect(revoked.status).toBe(401);

    loading = false;
    await load;
    expect(guardedDuringOutage).toBeGreaterThan(100);
    expect(new Set(guarded)).toEqual(new Set([200]));
  });
});
