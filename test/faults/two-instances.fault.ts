import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { untilRefused } from '../harness/until-refused.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/**
 * Two service instances on one database: a session started on A refreshes on B,
 * and a revocation on A reaches B's token check within a second — B keeps no state of its own
 * that A would need to tell it about other than through Postgres.
 */
let db: TestDatabase;
let a: SessionApp;
let b: SessionApp;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startSessionApp('fastify', { DATABASE_URL: db.url });
  b = await startSessionApp('express', { DATABASE_URL: db.url });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

describe('two instances', () => {
  it('login on A, refresh on B, revoke on A: B refuses the token within a second', async () => {
    const { tokens } = await a.login();
    const refreshed = await request(b.server)
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken })
      .expect(200);
    const access = (refreshed.body as { access_token: string }).access_token;
    await request(b.server).get('/demo/me').auth(access, { type: 'bearer' }).expect(200);
    await request(a.server).get('/demo/me').auth(access, { type: 'bearer' }).expect(200);

    await request(a.server).post('/logout').auth(access, { type: 'bearer' }).expect(303);
    const { status, elapsedMs } = await untilRefused(b.server, access);
    expect(status).toBe(401);
    expect(elapsedMs).toBeLessThan(1_000);
    // The refresh token of the revoked session is dead on both.
    const refreshAgain = await request(a.server)
      .post('/oauth/access_token')
      .send({
        grant_type: 'refresh_token',
        refresh_token: (refreshed.body as { refresh_token: string }).refresh_token,
      });
    expect(refreshAgain.status).toBe(400);
  });
});
