import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

describe.each(PLATFORMS)('cookie-authenticated state changes on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, {
      DATABASE_URL: db.url,
      TOWER_ROOT_USERS: 'root@example.com',
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('are refused from another site and allowed from our own origin', async () => {
    const root = await t.login({ email: 'root@example.com' });
    const victim = await t.login();
    const cookie = `JWT=${root.tokens.accessToken}`;
    const url = `/admin/users/${victim.user.id}/sessions`;
    const crossSite = await request(t.server)
      .delete(url)
      .set('cookie', cookie)
      .set('origin', 'https://evil.example')
      .expect(403);
    expect(crossSite.body).toMatchObject({
      statusCode: 403,
      message: 'Cross-site request refused',
    });
    await request(t.server)
      .delete(url)
      .set('cookie', cookie)
      .set('sec-fetch-site', 'cross-site')
      .expect(403);
    await request(t.server)
      .get('/user-info')
      .auth(victim.tokens.accessToken, { type: 'bearer' })
      .expect(200);

    const sameSite = await request(t.server)
      .delete(url)
      .set('cookie', cookie)
      .set('origin', 'http://localhost:8000')
      .set('sec-fetch-site', 'same-origin')
      .expect(200);
    expect(sameSite.body).toEqual({ revoked: 1 });
  });

  it('a GET with the cookie needs no Origin', async () => {
    const { tokens } = await t.login();
    await request(t.server)
      .get('/user-info')
      .set('cookie', `JWT=${tokens.accessToken}`)
      .expect(200);
  });
});
