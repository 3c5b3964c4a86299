import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, TestClock, type SessionApp } from '../harness/session-app.js';

const ROOT_EMAIL = 'token-root@example.com';
const KEY = /^tat_[1-9][0-9]*_[A-Za-z0-9_-]{43}$/;

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 2000;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

interface Created {
  accessKey: string;
  token: { id: number; name: string; dateCreated: string; lastUsed: string | null };
}

const basic = (key: string): string => `Basic ${Buffer.from(`@token:${key}`).toString('base64')}`;

describe.each(PLATFORMS)('personal access tokens on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let clock: TestClock;

  beforeAll(async () => {
    db = await createTestDatabase();
    clock = new TestClock();
    t = await startSessionApp(
      platform,
      { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL },
      clock,
    );
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function signedIn(email?: string) {
    const { user, tokens } = await t.login(email ? { email } : {});
    return { user, bearer: `Bearer ${tokens.accessToken}` };
  }

  async function made(bearer: string, fields: object): Promise<Created> {
    const res = await create(bearer, fields).expect(200);
    return res.body as Created;
  }

  function create(bearer: string, body: object, prefix = '') {
    return request(t.server).post(`${prefix}/tokens`).set('Authorization', bearer).send(body);
  }

  it("creates, lists and deletes tokens with Seqera's shapes, also under /api", async () => {
    const { bearer } = await signedIn();
    const created = await create(bearer, { name: 'laptop' }).expect(200);
    expect(created.body).toEqual({
      accessKey: expect.stringMatching(KEY),
      token: {
        id: expect.any(Number),
        name: 'laptop',
        dateCreated: expect.any(String),
        lastUsed: null,
      },
    });
    const other = await create(bearer, { name: 'ci-runner' }, '/api').expect(200);

    const list = await request(t.server)
      .get('/api/tokens')
      .set('Authorization', bearer)
      .expect(200);
    expect(list.body).toEqual({
      tokens: [
        {
          id: other.body.token.id,
          name: 'ci-runner',
          dateCreated: expect.any(String),
          lastUsed: null,
        },
        {
          id: created.body.token.id,
          name: 'laptop',
          dateCreated: expect.any(String),
          lastUsed: null,
        },
      ],
    });
    // The key is shown once: never listed again.
    expect(JSON.stringify(list.body)).not.toContain(created.body.accessKey);

    await request(t.server)
      .delete(`/tokens/${created.body.token.id}`)
      .set('Authorization', bearer)
      .expect(204);
    await request(t.server)
      .delete('/api/tokens/delete-all')
      .set('Authorization', bearer)
      .expect(204);
    const empty = await request(t.server).get('/tokens').set('Authorization', bearer).expect(200);
    expect(empty.body).toEqual({ tokens: [] });
    await request(t.server).delete('/tokens/delete-all').set('Authorization', bearer).expect(204);
  });

  it('refuses a name clash (409, whatever the case) and bad names or expiries (400)', async () => {
    const { bearer } = await signedIn();
    await create(bearer, { name: 'Nextflow' }).expect(200);
    const clash = await create(bearer, { name: 'nextflow' }).expect(409);
    expect(clash.body).toMatchObject({ statusCode: 409, message: expect.stringMatching(/name/) });
    // Another user may use the same name.
    await create((await signedIn()).bearer, { name: 'nextflow' }).expect(200);

    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(51) },
      { name: 'two words' },
      { name: ['a'] },
      { name: 42 },
      { name: 'ok', expiresAt: 'tomorrow' },
      { name: 'ok', expiresAt: new Date(clock.now() - 1000).toISOString() },
      { name: 'ok', duration: '-1d' },
      { name: 'ok', duration: '1d', expiresAt: new Date(clock.now() + 9e7).toISOString() },
    ]) {
      const res = await create(bearer, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, message: expect.any(String) });
    }
    await create(bearer, { name: 'x'.repeat(50) }).expect(200);
  });

  it("answers 404 for another user's token, and leaves it working", async () => {
    const owner = await signedIn();
    const body = await made(owner.bearer, { name: 'mine' });
    const intruder = await signedIn();
    await request(t.server)
      .delete(`/tokens/${body.token.id}`)
      .set('Authorization', intruder.bearer)
      .expect(404);
    await request(t.server)
      .delete('/tokens/999999999')
      .set('Authorization', owner.bearer)
      .expect(404);
    await request(t.server)
      .delete('/tokens/not-a-number')
      .set('Authorization', owner.bearer)
      .expect(404);
    await request(t.server)
      .get('/demo/me')
      .set('Authorization', `Bearer ${body.accessKey}`)
      .expect(200);
  });

  it('reaches a guarded route the way Nextflow sends it: Bearer, and Basic with the user @token', async () => {
    const { user, bearer } = await signedIn();
    const body = await made(bearer, { name: 'nf' });
    for (const authorization of [`Bearer ${body.accessKey}`, basic(body.accessKey)]) {
      const me = await request(t.server)
        .get('/demo/me')
        .set('Authorization', authorization)
        .expect(200);
      expect(me.body).toEqual({ userId: user.id, roles: ['user'] });
      const info = await request(t.server)
        .get('/api/user-info')
        .set('Authorization', authorization)
        .expect(200);
      expect(info.body.user.email).toBe(user.email);
    }
    // Basic with any other user name is not a token credential.
    await request(t.server)
      .get('/demo/me')
      .set('Authorization', `Basic ${Buffer.from(`someone:${body.accessKey}`).toString('base64')}`)
      .expect(401);
  });

  it('records the last use off the request path, and audits creation, first use and deletion', async () => {
    const { user, bearer } = await signedIn();
    const body = await made(bearer, { name: 'audited' });
    await request(t.server)
      .get('/demo/ping')
      .set('Authorization', `Bearer ${body.accessKey}`)
      .expect(200);
    const used = await eventually(
      async () => (await request(t.server).get('/tokens').set('Authorization', bearer)).body,
      (b) => b.tokens[0]?.lastUsed !== null,
    );
    expect(Date.parse(used.tokens[0].lastUsed)).toBe(clock.now());
    await request(t.server)
      .delete(`/tokens/${body.token.id}`)
      .set('Authorization', bearer)
      .expect(204);
    const auditTypes = async (): Promise<string[]> => {
      const rows: { type: string }[] = await t.dataSource.query(
        `SELECT type FROM tower_auth.audit_events WHERE user_id = $1 ORDER BY id`,
        [user.id],
      );
      return rows.map((row) => row.type);
    };
    // The first use is recorded after its answer went out: wait for both rows.
    const types = await eventually(auditTypes, (list) =>
      ['token_first_use_from_new_address', 'token_deleted'].every((type) => list.includes(type)),
    );
    expect(types).toEqual(
      expect.arrayContaining([
        'token_created',
        'token_first_use_from_new_address',
        'token_deleted',
      ]),
    );
    const details = JSON.stringify(
      await t.dataSource.query(`SELECT detail FROM tower_auth.audit_events WHERE user_id = $1`, [
        user.id,
      ]),
    );
    expect(details).not.toContain(body.accessKey.slice(-43));
  });

  it('is refused by session-only routes (403) and never works as a refresh token', async () => {
    const { bearer } = await signedIn();
    const body = await made(bearer, { name: 'leaked' });
    const asToken = `Bearer ${body.accessKey}`;
    for (const [method, path] of [
      ['get', '/tokens'],
      ['post', '/tokens'],
      ['delete', '/tokens/delete-all'],
      ['delete', `/api/tokens/${body.token.id}`],
      ['get', '/auth/session'],
    ] as const) {
      const res = await request(t.server)
        [method](path)
        .set('Authorization', asToken)
        .send({ name: 'more' });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    const refreshed = await request(t.server)
      .post('/api/oauth/access_token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: body.accessKey })
      .expect(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    const asHeader = await request(t.server)
      .post('/oauth/access_token')
      .set('Authorization', asToken)
      .send({})
      .expect(400);
    expect(asHeader.body.error).toBe('invalid_request');
    // Still listed: nothing above minted or deleted a token.
    const list = await request(t.server).get('/tokens').set('Authorization', bearer).expect(200);
    expect((list.body as { tokens: { name: string }[] }).tokens.map((x) => x.name)).toEqual([
      'leaked',
    ]);
  });

  it('stops at its expiry, and when its user is disabled', async () => {
    const { user, bearer } = await signedIn();
    const short = await made(bearer, { name: 'short', duration: '1h' });
    const later = new Date(clock.now() + 2 * 3600_000).toISOString();
    const dated = await made(bearer, { name: 'dated', expiresAt: later });
    const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
    await request(t.server).get('/demo/ping').set(auth(short.accessKey)).expect(200);
    await request(t.server).get('/demo/ping').set(auth(dated.accessKey)).expect(200);
    clock.advance(3601);
    const expired = await request(t.server)
      .get('/demo/ping')
      .set(auth(short.accessKey))
      .expect(401);
    expect(expired.body.message).toMatch(/expired/i);
    await request(t.server).get('/demo/ping').set(auth(dated.accessKey)).expect(200);

    await t.dataSource.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [
      user.id,
    ]);
    const status = await eventually(
      async () => (await request(t.server).get('/demo/ping').set(auth(dated.accessKey))).status,
      (s) => s === 401,
    );
    expect(status).toBe(401);
  });

  it('lets root users list and revoke any user’s tokens; others get 403', async () => {
    const root = await signedIn(ROOT_EMAIL);
    const owner = await signedIn();
    const body = await made(owner.bearer, { name: 'victim' });
    await request(t.server)
      .get(`/admin/users/${owner.user.id}/tokens`)
      .set('Authorization', owner.bearer)
      .expect(403);
    const listed = await request(t.server)
      .get(`/api/admin/users/${owner.user.id}/tokens`)
      .set('Authorization', root.bearer)
      .expect(200);
    expect(listed.body).toEqual({
      tokens: [
        { id: body.token.id, name: 'victim', dateCreated: expect.any(String), lastUsed: null },
      ],
    });
    await request(t.server)
      .get('/admin/users/987654321/tokens')
      .set('Authorization', root.bearer)
      .expect(404);
    await request(t.server)
      .delete(`/admin/tokens/${body.token.id}`)
      .set('Authorization', owner.bearer)
      .expect(403);
    await request(t.server)
      .delete(`/admin/tokens/${body.token.id}`)
      .set('Authorization', root.bearer)
      .expect(204);
    await request(t.server)
      .delete(`/admin/tokens/${body.token.id}`)
      .set('Authorization', root.bearer)
      .expect(404);
    await request(t.server)
      .get('/demo/ping')
      .set('Authorization', `Bearer ${body.accessKey}`)
      .expect(401);
  });
});
