import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startService, waitForHealth, type Running } from '../harness/service-process.js';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../../packages/tower-auth/src/common/clock.js';
import { KeyRing } from '../../packages/tower-auth/src/tokens/key-ring.js';
import { TokenService } from '../../packages/tower-auth/src/tokens/token.service.js';
import { createDataSource } from '../../src/database/data-source.js';
import { createUser } from '../factories/users.js';
import { TEST_SECRET, testConfig } from '../harness/app.js';

/**
 * SIGTERM during load: requests already being served finish with their real
 * answer, new connections are refused, and the process exits 0. Requests are held "in flight"
 * deterministically by locking the table they read.
 */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
});

afterAll(async () => {
  await db.drop();
});

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? 'error' }));
    req.end();
  });
}

describe('SIGTERM under load', () => {
  it('finishes in-flight requests, refuses new ones and exits 0', async () => {
    const port = await freePort();
    const run: Running = startService({
      DATABASE_URL: db.url,
      PORT: String(port),
      TOWER_JWT_SECRET: TEST_SECRET,
    });
    await waitForHealth(port, run, 60_000);

    // Steady load of quick requests, before and after the signal.
    let loading = true;
    let signalledAt = Infinity;
    const quick: {
      sentAt: number;
      doneAt: number;
      result: { status: number } | { error: string };
    }[] = [];
    const load = (async () => {
      while (loading) {
        const sentAt = Date.now();
        const results = await Promise.all([1, 2, 3, 4].map(() => get(port, '/service-info')));
        const doneAt = Date.now();
        quick.push(...results.map((result) => ({ sentAt, doneAt, result })));
      }
    })();

    const ds = await createDataSource(db.url).initialize();
    const user = await createUser(ds);
    await ds.destroy();
    const token = new TokenService(testConfig(), systemClock, new KeyRing(testConfig())).sign({
      userId: user.id,
      sessionId: randomUUID(),
      roles: ['user'],
    });

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tower_auth.users IN ACCESS EXCLUSIVE MODE');
    // /user-info reads the users table; with the lock held these wait inside the service.
    const inFlight = Array.from({ length: 5 }, () =>
      get(port, '/user-info', { authorization: `Bearer ${token}` }),
    );
    await new Promise((r) => setTimeout(r, 300));

    signalledAt = Date.now();
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    loading = false;
    await load;
    const afterSignal = await get(port, '/service-info');
    await locker.query('ROLLBACK');
    await locker.end();

    const held = await Promise.all(inFlight);
    expect(await run.exit).toBe(0);
    expect(held).toEqual(Array.from({ length: 5 }, () => ({ status: 200 })));
    expect(afterSignal).toEqual({ error: 'ECONNREFUSED' });
    const before = quick.filter((q) => q.doneAt < signalledAt).map((q) => q.result);
    const after = quick.filter((q) => q.sentAt > signalledAt).map((q) => q.result);
    expect(before.length).toBeGreaterThan(20);
    expect(new Set(before.map((r) => JSON.stringify(r)))).toEqual(new Set(['{"status":200}']));
    // Sent after the signal: served if the process had not yet handled the signal, then told to
    // go elsewhere (Fastify's 503 while closing), reset from the accept backlog, or refused.
    const allowed = [
      { status: 200 },
      { status: 503 },
      { error: 'ECONNRESET' },
      { error: 'ECONNREFUSED' },
    ];
    for (const result of after) expect(allowed).toContainEqual(result);
    expect(run.output()).toContain('SIGTERM: shutting down');
  });
});
