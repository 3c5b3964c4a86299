import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { ACCESS_RULE, type AccessRule } from '../../src/auth/decorators/access.decorator.js';
import { PLATFORMS, startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

interface Route {
  name: string;
  method: string;
  paths: string[];
  rule: AccessRule | undefined;
}

/** Every handler of every controller in the application, with the rule it declares. */
function routesOf(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const sub = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const paths = prefixes.flatMap((p) =>
          sub.map((s) => `/${[p, s].filter((x) => x && x !== '/').join('/')}`),
        );
        const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ??
          Reflect.getMetadata(ACCESS_RULE, controller)) as AccessRule | undefined;
        routes.push({ name: `${controller.name}.${key}`, method, paths, rule });
      }
    }
  }
  return routes;
}

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
