import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/** TOWER_ROOT_USERS: ids, or e-mails that the user has proven. */
describe('root users', () => {
  let db: TestDatabase;
  let t: SessionApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp('fastify', {
      DATABASE_URL: db.url,
      TOWER_ROOT_USERS: 'Boss@Example.com, 999999',
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function refreshRoles(refreshToken: string): Promise<string[]> {
    const res = await request(t.server)
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: refreshToken })
      .expect(200);
    return (res.body as { roles: string[] }).roles;
  }

  it('makes a user with a verified listed e-mail root, at login and at every refresh', async () => {
    const { tokens } = await t.login({ email: 'boss@example.com', emailVerified: true });
    expect(tokens.roles).toEqual(['user', 'root']);
    expect(await refreshRoles(tokens.refreshToken)).toEqual(['user', 'root']);
  });

  it('does not make a user root by an e-mail address it has not proven', async () => {
    await t.dataSource.query(
      `DELETE FROM tower_auth.users WHERE lower(email) = 'boss@example.com'`,
    );
    const { tokens } = await t.login({ email: 'boss@example.com', emailVerified: false });
    expect(tokens.roles).toEqual(['user']);
    expect(await refreshRoles(tokens.refreshToken)).toEqual(['user']);
  });

  it('makes a listed user id root, whatever its e-mail', async () => {
    await t.dataSource.query(
      `INSERT INTO tower_auth.users (id, email, user_name, email_verified) OVERRIDING SYSTEM VALUE
       VALUES (999999, 'someone@example.org', 'someone', false)`,
    );
    const user = await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: '999999' });
    const tokens = await t.sessions.startSession(user, 'email', {
      userAgent: null,
      ipAddress: null,
    });
    expect(tokens.roles).toEqual(['user', 'root']);
    expect(await refreshRoles(tokens.refreshToken)).toEqual(['user', 'root']);
  });
});
