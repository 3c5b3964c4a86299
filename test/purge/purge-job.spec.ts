import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { PURGE_APPLICATION_NAME } from '../../packages/tower-auth/src/purge/purge.repository.js';
import {
  PurgeService,
  type PurgeResult,
} from '../../packages/tower-auth/src/purge/purge.service.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  countRows,
  GARBAGE_TABLES,
  insertConcurrent,
  seedRows,
  type MarkerCounts,
} from './garbage.js';

/*
 * The purge job on real Postgres: what goes, what stays, that inserts carry on
 * while it runs, and that two instances never purge at once.
 */

type Ran = Extract<PurgeResult, { ran: true }>;

/** Inserts live rows into every purged table, one at a time, timing each, until stopped. */
function startInserter(url: string): {
  stop(): Promise<{ waits: number[]; inserted: MarkerCounts }>;
} {
  const client = new pg.Client({ connectionString: url });
  const waits: number[] = [];
  const inserted = Object.fromEntries(GARBAGE_TABLES.map((t) => [t, 0])) as MarkerCounts;
  let stopping = false;
  const loop = (async () => {
    await client.connect();
    for (let i = 0; !stopping; i++) {
      const table = GARBAGE_TABLES[i % GARBAGE_TABLES.length];
      const started = performance.now();
      await insertConcurrent(client, table);
      waits.push(performance.now() - started);
      inserted[table]++;
    }
    await client.end();
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return { waits, inserted };
    },
  };
}

const percentile = (values: number[], p: number): number =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];

describe('purge job', () => {
  let db: TestDatabase;
  let apps: TestApp[] = [];
  let sql: pg.Client;

  const purgeOf = (app: TestApp): PurgeService => app.app.get(PurgeService);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    // Two instances started at once on one database (one per HTTP platform).
    apps = await Promise.all([
      startTestApp('fastify', { DATABASE_URL: db.url }),
      startTestApp('express', { DATABASE_URL: db.url }),
    ]);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await sql?.end();
    await db?.drop();
  });

  it('deletes 200,000 dead rows, keeps every live one, and never holds up inserts', async () => {
    const seeded = await seedRows(sql, 200_000, 1_000);
    const inserter = startInserter(db.url);
    await new Promise((r) => setTimeout(r, 300));

    const results = await Promise.all(apps.map((app) => purgeOf(app).runOnce()));
    const { waits, inserted } = await inserter.stop();

    // Both instances were asked at once: exactly one purged, the other stood aside.
    expect(results.map((r) => r.ran).sort()).toEqual([false, true]);
    const ran = results.find((r): r is Ran => r.ran)!;
    expect(ran.failed).toEqual([]);
    expect(ran.counts).toEqual(seeded.garbage);
    expect(ran.total).toBe(200_000);
    expect(await countRows(sql, 'garbage')).toEqual(
      Object.fromEntries(GARBAGE_TABLES.map((t) => [t, 0])),
    );
    expect(await countRows(sql, 'live')).toEqual(seeded.live);
    expect(await countRows(sql, 'concurrent')).toEqual(inserted);

    // The bound of docs/benchmarks.md: no insert made during the purge waited 200 ms or more.
    expect(waits.length).toBeGreaterThan(50);
    expect(percentile(waits, 0.99)).toBeLessThan(200);
    expect(Math.max(...waits)).toBeLessThan(200);
  }, 180_000);

  it('one instance at a time: while one purges, the other skips at once', async () => {
    await seedRows(sql, 2_000, 0);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      // Stall the first purge on a table lock (well within its 2 s lock timeout).
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tower_auth.audit_events IN SHARE MODE');
      const [first, second] = apps.map(purgeOf);
      const running = first.runOnce();
      await waitFor(async () => (await purgeBackends(sql)).waiting === 1);
      expect(await purgeBackends(sql)).toEqual({ connected: 1, waiting: 1 });

      const started = performance.now();
      expect(await second.runOnce()).toEqual({ ran: false });
      expect(performance.now() - started).toBeLessThan(1000);
      // The same instance does not start a second run either.
      expect(await first.runOnce()).toEqual({ ran: false });

      await holder.query('COMMIT');
      const result = (await running) as Ran;
      expect(result.ran).toBe(true);
      expect(result.failed).toEqual([]);
      expect(result.total).toBe(2_000);
    } finally {
      await holder.end();
    }
    // The lock went with the run: the other instance purges now.
    expect(await apps.map(purgeOf)[1].runOnce()).toMatchObject({ ran: true, total: 0 });
  });

  it('purged sessions announce no revocation; deleting a live session still does', async () => {
    await seedRows(sql, 1_200, 12);
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    try {
      await listener.query('LISTEN tower_auth_session_revoked');
      const result = (await purgeOf(apps[0]).runOnce()) as Ran;
      expect(result.counts.sessions).toBe(300);
      const [{ id }] = (
        await sql.query<{ id: string }>(
          `SELECT id FROM tower_auth.sessions WHERE provider = 'live' AND revoked_at IS NULL
              AND idle_expires_at > now() LIMIT 1`,
        )
      ).rows;
      await sql.query('DELETE FROM tower_auth.sessions WHERE id = $1', [id]);
      await waitFor(() => Promise.resolve(notified.length > 0));
      expect(notified).toEqual([id]);
    } finally {
      await listener.end();
    }
  });
});

async function purgeBackends(sql: pg.Client): Promise<{ connected: number; waiting: number }> {
  const { rows } = await sql.query<{ connected: number; waiting: number }>(
    `SELECT count(*)::int AS connected,
            count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
       FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
    [PURGE_APPLICATION_NAME],
  );
  return rows[0];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
