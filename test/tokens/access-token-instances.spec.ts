import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { REVOCATION_APPLICATION_NAME } from '../../packages/tower-auth/src/sessions/revocation.service.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/**
 * Personal access tokens across instances on one database: each instance reads a token once
 * and then answers from memory, so only the database's notifications (and the re-read after a
 * reconnect) can make it stop a token deleted elsewhere.
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

interface Made {
  key: string;
  id: number;
  bearer: string;
  userId: string;
}

async function makeToken(on: SessionApp, name: string): Promise<Made> {
  const { user, tokens } = await on.login();
  const bearer = `Bearer ${tokens.accessToken}`;
  const res = await request(on.server)
    .post('/api/tokens')
    .set('Authorization', bearer)
    .send({ name })
    .expect(200);
  const body = res.body as { accessKey: string; token: { id: number } };
  return { key: body.accessKey, id: body.token.id, bearer, userId: user.id };
}

const ping = async (on: SessionApp, key: string): Promise<number> =>
  (await request(on.server).get('/demo/ping').set('Authorization', `Bearer ${key}`)).status;

/** How long until `on` refuses the key (ms), polling; fails after 5 s. */
async function refusedWithin(on: SessionApp, key: string): Promise<number> {
  const start = Date.now();
  let status = await ping(on, key);
  while (status === 200 && Date.now() - start < 5_000) {
    await new Promise((r) => setTimeout(r, 10));
    status = await ping(on, key);
  }
  expect(status).toBe(401);
  return Date.now() - start;
}

describe('personal access tokens on two instances', () => {
  it('work on another instance and after a restart', async () => {
    const made = await makeToken(a, 'portable');
    expect(await ping(b, made.key)).toBe(200);
    await a.close();
    a = await startSessionApp('fastify', { DATABASE_URL: db.url });
    expect(await ping(a, made.key)).toBe(200);
    const basic = Buffer.from(`@token:${made.key}`).toString('base64');
    await request(a.server).get('/demo/ping').set('Authorization', `Basic ${basic}`).expect(200);
  });

  it('DELETE /tokens/{id} on A stops the token on B within a second', async () => {
    const made = await makeToken(a, 'deleted-elsewhere');
    // B has read it and now answers from memory.
    expect(await ping(b, made.key)).toBe(200);
    expect(await ping(b, made.key)).toBe(200);
    await request(a.server)
      .delete(`/tokens/${made.id}`)
      .set('Authorization', made.bearer)
      .expect(204);
    expect(await refusedWithin(b, made.key)).toBeLessThan(1_000);
    expect(await ping(a, made.key)).toBe(401);
  });

  it("deleting or disabling the token's user stops it on both instances within a second", async () => {
    const deleted = await makeToken(a, 'user-deleted');
    const disabled = await makeToken(a, 'user-disabled');
    for (const made of [deleted, disabled]) expect(await ping(b, made.key)).toBe(200);
    await b.dataSource.query(`DELETE FROM tower_auth.users WHERE id = $1`, [deleted.userId]);
    await b.dataSource.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [
      disabled.userId,
    ]);
    for (const made of [deleted, disabled]) {
      expect(await refusedWithin(b, made.key)).toBeLessThan(1_000);
      expect(await ping(a, made.key)).toBe(401);
    }
  });

  it('reads its tokens again after its listener reconnects (a delete it could not hear)', async () => {
    const made = await makeToken(a, 'missed-notification');
    expect(await ping(b, made.key)).toBe(200);
    await a.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [REVOCATION_APPLICATION_NAME],
    );
    // Deleted while the listeners are likely down: only the re-read after reconnecting finds it.
    await a.dataSource.query(`DELETE FROM tower_auth.access_tokens WHERE id = $1`, [made.id]);
    await refusedWithin(b, made.key);
  });
});
