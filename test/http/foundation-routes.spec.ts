import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AUTH_MIGRATIONS } from '../../packages/tower-auth/src/database/schema.js';
import { PLATFORMS, startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe.each(PLATFORMS)('foundation routes on %s', (platform) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(platform, {
      DATABASE_URL: db.url,
      TOWER_CONTACT_EMAIL: 'support@example.com',
      TOWER_OIDC_CLIENT: 'tower',
      TOWER_OIDC_SECRET: 'oidc-secret-value',
      TOWER_OIDC_ISSUER: 'http://localhost:9999/realms/tower',
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each(['/health', '/api/health'])(
    'GET %s answers 200 after a database round trip',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up' });
    },
  );

  it.each(['/health/live', '/api/health/live'])(
    'GET %s answers 200 from the process alone',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    },
  );

  it.each(['/health/ready', '/api/health/ready'])(
    'GET %s answers 200 with every readiness check passed',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        checks: {
          database: 'up',
          migrations: 'applied',
          revocations: 'listening',
          config: 'loaded',
        },
      });
    },
  );

  it.each(['/service-info', '/api/service-info'])(
    'GET %s describes the login methods',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.serviceInfo).toMatchObject({
        authTypes: ['email', 'oidc'],
        loginPath: '/auth',
        contactEmail: 'support@example.com',
        logoutUrl: 'http://localhost:8000/logout',
        heartbeatInterval: t.config.auth.heartbeatInterval,
      });
      expect(res.body.serviceInfo.version).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it('answers an unknown route with a JSON 404', async () => {
    const res = await request(t.server).get('/no/such/route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(typeof res.body.message).toBe('string');
  });

  it('answers a malformed JSON body with a JSON 400, not a 500', async () => {
    const res = await request(t.server)
      .post('/service-info')
      .set('content-type', 'application/json')
      .send('{"email": ');
    expect([400, 404]).toContain(res.status);
    expect(res.body).toMatchObject({ statusCode: res.status });
  });
});

describe.each(PLATFORMS)('service-info with OIDC only on %s', (platform) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(platform, {
      DATABASE_URL: db.url,
      TOWER_AUTH_DISABLE_EMAIL: 'true',
      TOWER_OIDC_CLIENT: 'tower',
      TOWER_OIDC_SECRET: 'oidc-secret-value',
      TOWER_OIDC_ISSUER: 'http://localhost:9999/realms/tower',
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('sends the browser straight to the OIDC provider', async () => {
    const res = await request(t.server).get('/service-info').expect(200);
    expect(res.body.serviceInfo.authTypes).toEqual(['oidc']);
    expect(res.body.serviceInfo.loginPath).toBe('/oauth/login/oidc');
  });
});

describe.each(PLATFORMS)('health when the database goes away on %s', (platform) => {
  it('answers 503 with a reason instead of hanging or failing with 500', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp(platform, { DATABASE_URL: db.url });
    try {
      await request(t.server).get('/health').expect(200);
      await request(t.server).get('/health/ready').expect(200);
      // A build newer than the schema (DB_MIGRATIONS_RUN=false, migrations not run yet).
      await t.app
        .get(DataSource)
        .query(`DELETE FROM migrations WHERE name = $1`, [AUTH_MIGRATIONS.at(-1)!.name]);
      const pending = await request(t.server).get('/health/ready').expect(503);
      expect(pending.body).toMatchObject({
        message: 'Not ready: migrations',
        checks: { database: 'up', migrations: 'pending', revocations: 'listening' },
      });
      await db.drop();
      const res = await request(t.server).get('/health').expect(503);
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable',
        requestId: expect.any(String),
      });
      // Not ready, and says why; still alive (a restart would not bring the database back).
      const ready = await request(t.server).get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        checks: { database: 'down', migrations: 'unknown', config: 'loaded' },
      });
      expect(ready.body.message).toMatch(/^Not ready: database, migrations/);
      await request(t.server).get('/health/live').expect(200);
    } finally {
      await t.close();
    }
  });
});
