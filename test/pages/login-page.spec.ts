import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

const SERVER = 'http://localhost:8000';
const OIDC = {
  TOWER_OIDC_CLIENT: 'tower',
  TOWER_OIDC_SECRET: 'oidc-secret-value',
  TOWER_OIDC_ISSUER: 'http://localhost:9999/realms/tower',
  TOWER_OIDC_LABEL: 'Sign in with Okta',
};

const source = (name: string): string =>
  readFileSync(
    new URL(`../../packages/tower-auth/src/pages/client/${name}`, import.meta.url),
    'utf8',
  );

/** The `<script>` of a page: its URL and SRI. */
function scriptOf(html: string): { src: string; integrity: string } {
  const match = /<script type="module" src="([^"]+)" integrity="([^"]+)"><\/script>/.exec(html);
  if (!match) throw new Error('no script element');
  return { src: match[1].replace(/&amp;/g, '&'), integrity: match[2] };
}

function directives(csp: string): Map<string, string> {
  return new Map(
    csp.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

describe.each(PLATFORMS)('the login page over HTTP on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url, ...OIDC });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('sends / to the login page, and leaves /api alone', async () => {
    await request(t.server).get('/').expect(303).expect('Location', `${SERVER}/auth`);
    const api = await request(t.server).get('/api').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404 });
  });

  it('renders the choices without script and loads only its own script under a strict CSP', async () => {
    const res = await request(t.server).get('/auth').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(`<html lang="en">`);
    expect(res.text).toContain(`href="${SERVER}/oauth/login/oidc">Sign in with Okta</a>`);
    expect(res.text).toContain(`action="${SERVER}/gate/access"`);
    expect(res.text).toMatch(/<label for="email">E-mail address<\/label>\s*<input id="email"/);
    expect(res.text).toMatch(/<div id="sign-in">/);
    expect(res.text).toMatch(/<section id="account" aria-labelledby="account-title" hidden>/);
    expect(res.text).toMatch(/role="alert"/);
    expect(res.text).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|javascript:/i);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('connect-src')).toBe("'self'");
    expect(csp.get('require-trusted-types-for')).toBe("'script'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('style-src')).toMatch(/^'nonce-[A-Za-z0-9+/=]{24}'$/);
    expect(res.headers['content-security-policy']).not.toMatch(
      /unsafe-|https?:\/\/(?!localhost:8000)/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves the script it names, byte for byte, matching its integrity hash, cached by version', async () => {
    const page = await request(t.server).get('/auth').expect(200);
    const { src, integrity } = scriptOf(page.text);
    expect(src).toMatch(/^\/auth\/assets\/login-page\.js\?v=[0-9a-f]{16}$/);
    const js = await request(t.server).get(src).expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toBe(source('login-page.js'));
    expect(`sha384-${createHash('sha384').update(js.text).digest('base64')}`).toBe(integrity);

    const unversioned = await request(t.server).get('/api/auth/assets/login-page.js').expect(200);
    expect(unversioned.headers['cache-control']).toBe('no-cache');
    await request(t.server)
      .get('/auth/assets/login-page.js')
      .set('If-None-Match', unversioned.headers.etag)
      .expect(304);
  });

  it('serves nothing else from the assets route', async () => {
    for (const name of ['nope.js', '..%2F..%2Fpackage.json', 'tsconfig.json', 'login-page.ts']) {
      const res = await request(t.server).get(`/auth/assets/${name}`).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'No such file',
        requestId: expect.any(String),
      });
    }
  });

  it('carries a safe return path into the provider links and the Continue link only', async () => {
    const next = await request(t.server).get('/auth?next=/pipelines%3Fx%3D1').expect(200);
    expect(next.text).toContain(`href="${SERVER}/oauth/login/oidc?next=%2Fpipelines%3Fx%3D1"`);
    expect(next.text).toContain('data-next="/pipelines?x=1"');
    const evil = await request(t.server).get('/auth?success=true&next=//evil.example').expect(200);
    expect(evil.text).not.toContain('evil.example');
    expect(evil.text).toContain(`<a class="button" href="${SERVER}/">Continue</a>`);
  });

  it('after ?success=true shows the signed-in view first, with its sign-out form', async () => {
    const res = await request(t.server).get('/auth?success=true').expect(200);
    expect(res.text).toMatch(/<div id="sign-in" hidden>/);
    expect(res.text).toMatch(/<section id="account" aria-labelledby="account-title">/);
    expect(res.text).toContain(`<form id="sign-out-form" method="post" action="${SERVER}/logout">`);
    expect(res.text).toMatch(/<dl id="account-facts" hidden>/);
  });

  it('puts a failure into words in an alert, with no script, whatever the code', async () => {
    const refused = await request(t.server).get('/auth?success=false&error=not_allowed');
    expect(refused.text).toContain(
      '<p class="error" role="alert">This account is not allowed to sign in here.</p>',
    );
    expect(refused.headers['content-security-policy']).not.toMatch(/script-src/);
    for (const error of ['constructor', 'toString', '__proto__', '']) {
      const res = await request(t.server).get('/auth').query({ success: 'false', error });
      expect({ error, status: res.status }).toEqual({ error, status: 200 });
      expect(res.text).toContain('The sign-in did not complete. Please try again.');
    }
  });

  it('serves the admin view shell to anyone; its data stays behind the root-only routes', async () => {
    const res = await request(t.server).get('/auth/admin').expect(200);
    expect(scriptOf(res.text).src).toMatch(/^\/auth\/assets\/admin-page\.js\?v=/);
    expect(res.text).toMatch(/<th scope="col">E-mail<\/th>/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const { tokens } = await t.login();
    await request(t.server)
      .get('/admin/users')
      .set('Authorization', `Bearer ${tokens.accessToken}`)
      .expect(403);
  });

  it('GET /auth/session: the caller’s session expiry and roles; 401 without one or once revoked', async () => {
    await request(t.server).get('/auth/session').expect(401);
    const { tokens } = await t.login();
    const bearer = `Bearer ${tokens.accessToken}`;
    const res = await request(t.server).get('/api/auth/session').set('Authorization', bearer);
    expect(res.status).toBe(200);
    const [row] = await t.dataSource.query(
      `SELECT idle_expires_at, absolute_expires_at FROM tower_auth.sessions WHERE id = $1`,
      [tokens.sessionId],
    );
    expect(res.body).toEqual({
      session: {
        provider: 'email',
        expiresAt: (row.idle_expires_at as Date).toISOString(),
        absoluteExpiresAt: (row.absolute_expires_at as Date).toISOString(),
      },
      roles: ['user'],
    });
    await t.sessions.revoke(tokens.sessionId, 'test');
    await request(t.server).get('/auth/session').set('Authorization', bearer).expect(401);
  });
});
