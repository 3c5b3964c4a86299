import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { PLATFORMS } from '../harness/app.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/** Beyond what a Postgres bigint holds: it must be "no such id", never a database error. */
const TOO_BIG = '9999999999999999999';
const ROOT = 'boss@example.com';

describe.each(PLATFORMS)('ids beyond a bigint on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT });
    root = (await t.login({ email: ROOT, emailVerified: true })).tokens.accessToken;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each([
    ['delete', `/admin/users/${TOO_BIG}/sessions`],
    ['get', `/admin/users/${TOO_BIG}/sessions`],
    ['get', `/admin/users/${TOO_BIG}/tokens`],
    ['delete', `/admin/tokens/${TOO_BIG}`],
    ['delete', `/tokens/${TOO_BIG}`],
  ] as const)('%s %s answers 400 or 404', async (method, path) => {
    const res = await request(t.server)[method](path).auth(root, { type: 'bearer' });
    expect([400, 404]).toContain(res.status);
  });

  it('a magic link whose uid is beyond a bigint is refused, not an error', async () => {
    const res = await request(t.server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: TOO_BIG, password: 'x'.repeat(43) });
    expect(res.status).toBe(401);
  });
});
