import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { REVOCATION_APPLICATION_NAME } from '../../packages/tower-auth/src/sessions/revocation.service.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/**
 * A user deleted while the revocation listener's connection is down: the NOTIFY of the cascaded
 * session delete reaches no one, and the session row is gone, so reloading revoked rows finds
 * nothing. The listener re-checks the sessions it has live tokens of when it reconnects.
 */
describe('revocations missed while the listener was disconnected', () => {
  let db: TestDatabase;
  let t: SessionApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp('fastify', { DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function status(token: string): Promise<number> {
    return (await request(t.server).get('/demo/me').auth(token, { type: 'bearer' })).status;
  }

  it('ends the sessions of a user deleted during a connection blip', async () => {
    const deleted = await t.login();
    const kept = await t.login();
    expect(await status(deleted.tokens.accessToken)).toBe(200);
    expect(await status(kept.tokens.accessToken)).toBe(200);

    // One transaction: the listener is cut off before the delete commits (NOTIFY is sent at
    // commit), so the notification is certainly lost.
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN');
      await runner.query(`DELETE FROM tower_auth.users WHERE id = $1`, [deleted.user.id]);
      const [{ terminated }] = (await runner.query(
        `SELECT count(pg_terminate_backend(pid))::int AS terminated
           FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
        [REVOCATION_APPLICATION_NAME],
      )) as { terminated: number }[];
      expect(terminated).toBe(1);
      await runner.query('COMMIT');
    } finally {
      await runner.release();
    }

    const deadline = Date.now() + 15_000;
    let seen = await status(deleted.tokens.accessToken);
    while (seen === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await status(deleted.tokens.accessToken);
    }
    expect(seen).toBe(401);
    expect(await status(kept.tokens.accessToken)).toBe(200);
  });
});
