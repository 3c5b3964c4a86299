import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS, startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { routesOf } from '../harness/routes.js';

describe.each(PLATFORMS)('access rules on %s', (platform) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(platform, { DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('every route declares @Public(), @Authenticated() or @RootOnly()', () => {
    const routes = routesOf(t);
    expect(routes.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'UserInfoController.userInfo',
        'TokenController.refreshByPost',
        'HealthController.health',
      ]),
    );
    expect(routes.filter((r) => r.rule === undefined).map((r) => r.name)).toEqual([]);
  });

  it('every public route that changes state says whether other sites may send it', () => {
    const unsafe = routesOf(t).filter(
      (r) => r.rule === 'public' && !['GET', 'HEAD', 'OPTIONS'].includes(r.method),
    );
    expect(Object.fromEntries(unsafe.map((r) => [r.name, r.origin ?? 'undeclared']))).toMatchObject(
      {
        'LoginController.login': 'same-origin',
        'GateController.access': 'same-origin',
        'LogoutController.logoutByPost': 'same-origin',
        'TokenController.refreshByPost': 'same-origin',
        'OAuthLoginController.callbackByPost': 'cross-site',
      },
    );
    expect(unsafe.filter((r) => r.origin === undefined).map((r) => r.name)).toEqual([]);
  });

  it('every route that is not public answers 401 without a credential, at its path and under /api', async () => {
    const guarded = routesOf(t).filter((r) => r.rule !== 'public');
    expect(guarded.length).toBeGreaterThan(3);
    for (const route of guarded) {
      for (const path of route.paths) {
        const url = path.replace(/:[a-zA-Z]+/g, '1');
        const res = await request(t.server)[route.method.toLowerCase() as 'get'](url);
        expect({ route: route.name, url, status: res.status }).toEqual({
          route: route.name,
          url,
          status: 401,
        });
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    }
  });
});
