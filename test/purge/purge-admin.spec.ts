import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { PURGE_LOCK_KEY } from '../../packages/tower-auth/src/purge/purge.repository.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { countRows, seedRows } from './garbage.js';

/* POST /admin/purge: a root user runs the purge now and gets the counts. */

const ROOT_EMAIL = 'purge-root@example.com';

describe.each(PLATFORMS)('POST /admin/purge on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let root: string;
  let user: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL });
    root = (await t.login({ email: ROOT_EMAIL })).tokens.accessToken;
    user = (await t.login()).tokens.accessToken;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs the purge for a root user and answers the counts, also under /api', async () => {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const seeded = await seedRows(sql, 400, 40);
      const res = await request(t.server).post('/admin/purge').auth(root, { type: 'bearer' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ran: true, total: 400, failed: [] });
      expect(res.body.counts).toEqual(seeded.garbage);
      expect(typeof res.body.durationMs).toBe('number');
      expect(await countRows(sql, 'live')).toEqual(seeded.live);

      const again = await request(t.server).post('/api/admin/purge').auth(root, { type: 'bearer' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ ran: true, total: 0 });
    } finally {
      await sql.end();
    }
  });

  it('is 409 while another instance holds the purge lock', async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [PURGE_LOCK_KEY]);
      const res = await request(t.server).post('/admin/purge').auth(root, { type: 'bearer' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    } finally {
      await other.end();
    }
    await request(t.server).post('/admin/purge').auth(root, { type: 'bearer' }).expect(200);
  });

  it('is 403 for a user who is not root and 401 without a credential', async () => {
    const forbidden = await request(t.server).post('/admin/purge').auth(user, { type: 'bearer' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403 });
    await request(t.server).post('/admin/purge').expect(401);
  });
});
