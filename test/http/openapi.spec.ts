import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { VERSION } from '../../src/version.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { routesOf, type Route } from '../harness/routes.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { deref, isObject, operationsOf, pointer, refsOf, type JsonObject } from './openapi-kit.js';

const ROOT_EMAIL = 'root-of-docs@example.com';

/** `/api/x/:id` → `/x/{id}`: the document lists each route once, at its canonical path. */
function canonical(route: Route): string[] {
  const paths = route.paths.filter((p) => p !== '/api' && !p.startsWith('/api/'));
  return (paths.length > 0 ? paths : route.paths).map((p) => p.replace(/:(\w+)/g, '{$1}'));
}

const key = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

describe.each(PLATFORMS)('the OpenAPI document on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let doc: JsonObject;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL });
    const res = await request(t.server).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as JsonObject;
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('is an OpenAPI 3.1 document whose references all resolve', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'tower-auth', version: VERSION });
    expect(doc.servers).toEqual([
      expect.objectContaining({ url: t.config.serverUrl }),
      expect.objectContaining({ url: `${t.config.serverUrl}/api` }),
    ]);
    const unresolved = refsOf(doc).filter((ref) => pointer(doc, ref) === undefined);
    expect(unresolved).toEqual([]);
    const schemes = Object.keys((doc.components as JsonObject).securitySchemes as JsonObject);
    expect(schemes.sort()).toEqual([
      'accessCookie',
      'bearer',
      'personalToken',
      'personalTokenBasic',
      'refreshCookie',
    ]);
    const alias = await request(t.server).get('/api/openapi.json').expect(200);
    expect(alias.body).toEqual(doc);
  });

  it('gives every operation a unique id, a summary, declared tags, path parameters and described responses', () => {
    const tags = (doc.tags as JsonObject[]).map((tag) => tag.name);
    const schemes = (doc.components as JsonObject).securitySchemes as JsonObject;
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const { path, method, operation } of operationsOf(doc)) {
      const where = key(method, path);
      const id = operation.operationId as string;
      if (ids.has(id)) problems.push(`${where}: operationId ${id} twice`);
      ids.add(id);
      if (!operation.summary) problems.push(`${where}: no summary`);
      const own = (operation.tags as string[] | undefined) ?? [];
      if (own.length === 0 || own.some((tag) => !tags.includes(tag))) {
        problems.push(`${where}: tags ${JSON.stringify(own)} not declared`);
      }
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const params = ((operation.parameters as JsonObject[] | undefined) ?? [])
        .map((p) => deref(doc, p))
        .filter((p) => p?.in === 'path');
      if (JSON.stringify(params.map((p) => p?.name).sort()) !== JSON.stringify(inPath)) {
        problems.push(`${where}: path parameters ${JSON.stringify(params.map((p) => p?.name))}`);
      }
      if (params.some((p) => p?.required !== true)) problems.push(`${where}: optional path param`);
      const responses = Object.entries(operation.responses as JsonObject);
      if (!responses.some(([status]) => /^[23]\d\d$/.test(status))) {
        problems.push(`${where}: no success response`);
      }
      for (const [status, response] of responses) {
        if (!deref(doc, response)?.description) problems.push(`${where}: ${status} undescribed`);
      }
      for (const requirement of (operation.security as JsonObject[] | undefined) ?? []) {
        for (const name of Object.keys(requirement)) {
          if (!(name in schemes)) problems.push(`${where}: unknown security scheme ${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists every registered route at its canonical path, and nothing that is not one', () => {
    const routes = routesOf(t);
    const registered = new Set(routes.flatMap((r) => canonical(r).map((p) => key(r.method, p))));
    const documented = new Set(operationsOf(doc).map((o) => key(o.method, o.path)));
    expect([...registered].filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented].filter((k) => !registered.has(k))).toEqual([]);
    expect(documented.size).toBeGreaterThan(20);
    // The /api twins are one line of the description, not a second copy of every path.
    expect([...documented].filter((k) => / \/api(\/|$)/.test(k))).toEqual([]);
  });

  it('states the access rule of every route as its security requirement', () => {
    // A personal access token works wherever a session does, except on @SessionOnly() routes.
    const requirement = (roles: string[], sessionOnly: boolean) =>
      (sessionOnly
        ? ['bearer', 'accessCookie']
        : ['bearer', 'accessCookie', 'personalToken', 'personalTokenBasic']
      ).map((scheme) => ({ [scheme]: roles }));
    for (const route of routesOf(t)) {
      for (const path of canonical(route)) {
        const operation = pointer(
          doc,
          `#/paths/${path.replace(/\//g, '~1')}/${route.method.toLowerCase()}`,
        );
        if (!isObject(operation)) throw new Error(`${route.name} is not documented`);
        const security = operation.security as JsonObject[];
        const responses = operation.responses as JsonObject;
        // The guard's 401 (a public login may still answer a JSON client 401 itself).
        const guarded = JSON.stringify(responses['401'] ?? null).includes('responses/Unauthorized');
        const seen = { route: route.name, security, guarded };
        if (route.rule === 'public') {
          // Nothing required: no requirement at all, an anonymous alternative ({}), or only
          // the refresh cookie (the refresh endpoint's own credential).
          const anonymous =
            security.length === 0 ||
            security.some((r) => Object.keys(r).length === 0) ||
            security.every((r) => Object.keys(r).every((name) => name === 'refreshCookie'));
          expect({ ...seen, anonymous }).toEqual({ ...seen, anonymous: true, guarded: false });
        } else {
          const expected = requirement(route.rule === 'root' ? ['root'] : [], route.sessionOnly);
          expect(seen).toEqual({ ...seen, security: expected, guarded: true });
          if (route.rule === 'root' || route.sessionOnly) expect(responses['403']).toBeDefined();
        }
      }
    }
  });

  it('documents the error body as a shared schema, and the refresh errors with error_description', () => {
    const schemas = (doc.components as JsonObject).schemas as JsonObject;
    expect(schemas.Error).toMatchObject({
      type: 'object',
      required: ['statusCode', 'error', 'message'],
    });
    const refresh = pointer(doc, '#/paths/~1oauth~1access_token/post/responses/400');
    expect(JSON.stringify(refresh)).toContain('#/components/schemas/OAuthError');
    expect(JSON.stringify(schemas.OAuthError)).toContain('error_description');
  });
});
