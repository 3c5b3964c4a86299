import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { mismatches, type JsonObject } from './openapi-kit.js';

const ROOT_EMAIL = 'root-conformance@example.com';
const JSON_ACCEPT = 'application/json';

/**
 * The document does not only list the routes: what the service really answers (status,
 * content type, body, Location) is what the document says, for successes and errors alike.
 */
describe.each(PLATFORMS)('answers match the OpenAPI document on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let doc: JsonObject;
  let user: string;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL });
    doc = (await request(t.server).get('/openapi.json').expect(200)).body as JsonObject;
    user = (await t.login()).tokens.accessToken;
    root = (await t.login({ email: ROOT_EMAIL })).tokens.accessToken;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const check = (method: string, path: string, res: request.Response, status: number): void => {
    expect({ status: res.status, problems: mismatches(doc, method, path, res) }).toEqual({
      status,
      problems: [],
    });
  };

  it('service routes: health, service-info, and the example host module (harness)', async () => {
    const s = request(t.server);
    check('get', '/health', await s.get('/health'), 200);
    check('get', '/health/live', await s.get('/health/live'), 200);
    check('get', '/health/ready', await s.get('/health/ready'), 200);
    check('get', '/service-info', await s.get('/service-info'), 200);
    check('get', '/demo/public', await s.get('/demo/public'), 200);
    check('get', '/demo/me', await s.get('/demo/me').auth(user, { type: 'bearer' }), 200);
    check('get', '/demo/root', await s.get('/demo/root').auth(user, { type: 'bearer' }), 403);
    check('get', '/demo/root', await s.get('/demo/root').auth(root, { type: 'bearer' }), 200);
  });

  it('sessions: user-info, refresh, sign-out', async () => {
    const s = request(t.server);
    check('get', '/user-info', await s.get('/user-info'), 401);
    check('get', '/user-info', await s.get('/user-info').auth(user, { type: 'bearer' }), 200);
    const { tokens } = await t.login();
    const refreshed = await s
      .post('/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
    check('post', '/oauth/access_token', refreshed, 200);
    check(
      'post',
      '/oauth/access_token',
      await s.post('/oauth/access_token').type('form').send({ grant_type: 'password' }),
      400,
    );
    check('get', '/oauth/access_token', await s.get('/oauth/access_token'), 400);
    const access = (refreshed.body as { access_token: string }).access_token;
    check(
      'post',
      '/logout',
      await s.post('/logout').set('Accept', JSON_ACCEPT).auth(access, { type: 'bearer' }),
      200,
    );
    check('get', '/logout', await s.get('/logout').set('Accept', 'text/html'), 303);
    check('get', '/oauth/logout', await s.get('/oauth/logout'), 303);
    const elsewhere = { Cookie: `JWT=${user}`, 'Sec-Fetch-Site': 'cross-site' };
    check('get', '/logout', await s.get('/logout').set(elsewhere), 200);
    check('get', '/oauth/logout', await s.get('/oauth/logout').set(elsewhere), 200);
    check('post', '/logout', await s.post('/logout').set(elsewhere), 403);
  });

  it('e-mail and provider login', async () => {
    const s = request(t.server);
    check(
      'post',
      '/gate/access',
      await s.post('/gate/access').send({ email: 'ada@example.com' }),
      200,
    );
    check(
      'post',
      '/gate/access',
      await s.post('/gate/access').send({ email: 'not an address' }),
      400,
    );
    const form = { username: '1', password: 'not-a-token' };
    check('post', '/login', await s.post('/login').set('Accept', JSON_ACCEPT).send(form), 401);
    check(
      'post',
      '/login',
      await s.post('/login').type('form').set('Accept', 'text/html').send(form),
      303,
    );
    const evil = { Origin: 'https://evil.example' };
    check('post', '/login', await s.post('/login').set(evil).type('form').send(form), 403);
    check('post', '/gate/access', await s.post('/gate/access').set(evil).send({}), 403);
    check('get', '/oauth/login/{provider}', await s.get('/oauth/login/github'), 404);
    check('get', '/oauth/callback/{provider}', await s.get('/oauth/callback/oidc?code=x'), 404);
  });

  it('ephemeral endpoints', async () => {
    const s = request(t.server);
    const created = await s
      .post('/ephemeral')
      .auth(user, { type: 'bearer' })
      .send({ content: 'x' });
    check('post', '/ephemeral', created, 201);
    check('post', '/ephemeral', await s.post('/ephemeral').send({ content: 'x' }), 401);
    const id = (created.body as { id: string }).id;
    check('get', '/ephemeral/{name}', await s.get(`/ephemeral/${id}`), 200);
    check('get', '/ephemeral/{name}', await s.get(`/ephemeral/${id}`), 403);
  });

  it('administration', async () => {
    const s = request(t.server);
    const bearer = { type: 'bearer' } as const;
    check('get', '/admin/users', await s.get('/admin/users').auth(root, bearer), 200);
    check('get', '/admin/users', await s.get('/admin/users?max=0').auth(root, bearer), 400);
    check('get', '/admin/users', await s.get('/admin/users').auth(user, bearer), 403);
    check('get', '/admin/audit', await s.get('/admin/audit').auth(root, bearer), 200);
    const gone = await s.delete('/admin/users/999999/sessions').auth(root, bearer);
    check('delete', '/admin/users/{id}/sessions', gone, 404);
    const { user: someone } = await t.login();
    const revoked = await s.delete(`/admin/users/${someone.id}/sessions`).auth(root, bearer);
    check('delete', '/admin/users/{id}/sessions', revoked, 200);
    check('post', '/admin/purge', await s.post('/admin/purge').auth(root, bearer), 200);
  });

  it('personal access tokens and their administration', async () => {
    const s = request(t.server);
    const bearer = { type: 'bearer' } as const;
    const { user: owner, tokens } = await t.login();
    const session = tokens.accessToken;
    const created = await s.post('/tokens').auth(session, bearer).send({ name: 'conformance' });
    check('post', '/tokens', created, 200);
    const { accessKey, token } = created.body as { accessKey: string; token: { id: number } };
    check(
      'post',
      '/tokens',
      await s.post('/tokens').auth(session, bearer).send({ name: 'conformance' }),
      409,
    );
    check('post', '/tokens', await s.post('/tokens').auth(session, bearer).send({ name: '' }), 400);
    check(
      'post',
      '/tokens',
      await s.post('/tokens').auth(accessKey, bearer).send({ name: 'x' }),
      403,
    );
    await s.get('/demo/me').auth(accessKey, bearer).expect(200);
    check('get', '/tokens', await s.get('/tokens').auth(session, bearer), 200);
    check('get', '/tokens', await s.get('/tokens').auth(accessKey, bearer), 403);
    const listed = await s.get(`/admin/users/${owner.id}/tokens`).auth(root, bearer);
    check('get', '/admin/users/{id}/tokens', listed, 200);
    const unknown = await s.get('/admin/users/999999/tokens').auth(root, bearer);
    check('get', '/admin/users/{id}/tokens', unknown, 404);
    const other = await s.delete(`/tokens/${token.id}`).auth(user, bearer);
    check('delete', '/tokens/{tokenId}', other, 404);
    check(
      'delete',
      '/tokens/{tokenId}',
      await s.delete(`/tokens/${token.id}`).auth(session, bearer),
      204,
    );
    check(
      'delete',
      '/tokens/delete-all',
      await s.delete('/tokens/delete-all').auth(session, bearer),
      204,
    );
    const again = await s.post('/tokens').auth(session, bearer).send({ name: 'for-admin' });
    const id = (again.body as { token: { id: number } }).token.id;
    check(
      'delete',
      '/admin/tokens/{id}',
      await s.delete(`/admin/tokens/${id}`).auth(root, bearer),
      204,
    );
    check(
      'delete',
      '/admin/tokens/{id}',
      await s.delete(`/admin/tokens/${id}`).auth(root, bearer),
      404,
    );
  });

  it('the pages, the document and their files', async () => {
    const s = request(t.server);
    check('get', '/', await s.get('/'), 303);
    check('get', '/auth', await s.get('/auth'), 200);
    check('get', '/auth/admin', await s.get('/auth/admin'), 200);
    check('get', '/auth/session', await s.get('/auth/session').auth(user, { type: 'bearer' }), 200);
    check('get', '/auth/assets/{file}', await s.get('/auth/assets/login-page.js'), 200);
    check('get', '/auth/assets/{file}', await s.get('/auth/assets/nothing.js'), 404);
    check('get', '/openapi.json', await s.get('/openapi.json'), 200);
    check('get', '/openapi', await s.get('/openapi'), 200);
    check('get', '/openapi/{asset}', await s.get('/openapi/swagger-ui.css'), 200);
    check('get', '/openapi/{asset}', await s.get('/openapi/nothing.js'), 404);
  });
});
