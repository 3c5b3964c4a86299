import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../../src/config/service-settings.js';
import { SessionService } from '../../packages/tower-auth/src/sessions/session.service.js';
import { createUser } from '../factories/users.js';
import { PLATFORMS, testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import { startPrefixedHost, type PrefixedHost } from '../harness/prefixed-host.js';
import { eventually, LogCapture } from '../mail/mail-kit.js';
import { Browser } from '../providers/browser.js';
import { authorize, oidcEnv } from '../providers/support.js';

/*
 * A host application that serves everything under `setGlobalPrefix('v1')` and says so in
 * `serverUrl`: the e-mailed link, the pages, their scripts, the redirects and the cookie paths
 * all carry the prefix, so sign-in, refresh and sign-out work as they do at the root.
 */

const SERVER_URL = 'http://localhost:8123/v1';
const ORIGIN = 'http://localhost:8123';

interface SetCookie {
  name: string;
  value: string;
  path: string | undefined;
  maxAge: string | undefined;
}

function setCookies(res: request.Response): SetCookie[] {
  return [res.headers['set-cookie'] ?? []].flat().map((line: string) => {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const attribute = (name: string): string | undefined =>
      attributes.find((a) => a.toLowerCase().startsWith(`${name}=`))?.split('=')[1];
    const eq = pair.indexOf('=');
    return {
      name: pair.slice(0, eq),
      value: pair.slice(eq + 1),
      path: attribute('path'),
      maxAge: attribute('max-age'),
    };
  });
}

/** Every URL an attribute of the page points at. */
function urlsOf(html: string): string[] {
  return [...html.matchAll(/\b(?:href|src|action)="([^"]*)"/g)].map((m) =>
    m[1].replace(/&amp;/g, '&'),
  );
}

/** The URLs of a page that lead outside the server URL (none should). */
function outsideBase(urls: string[]): string[] {
  return urls.filter((url) => !url.startsWith('/v1/') && !url.startsWith(`${SERVER_URL}/`));
}

describe.each(PLATFORMS)('a host under setGlobalPrefix("v1") on %s', (platform) => {
  let db: TestDatabase;
  let config: ServiceConfig;
  let host: PrefixedHost;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase();
    config = testConfig({ DATABASE_URL: db.url, TOWER_SERVER_URL: SERVER_URL });
    host = await startPrefixedHost(platform, config, { logger: logs });
  });

  afterAll(async () => {
    await host?.close();
    await db?.drop();
  });

  /** Requests a link; in development mode it is written to the log. */
  async function requestLink(email: string, masked: string): Promise<URL> {
    await request(host.server).post('/v1/gate/access').send({ email }).expect(200);
    const line = await eventually(
      () => logs.lines.find((l) => l.includes('DEVELOPMENT ONLY') && l.includes(masked)),
      'the logged sign-in link',
    );
    return new URL(/(http:\/\/\S+)/.exec(line)![1]);
  }

  it('serves the module under the prefix and nowhere else', async () => {
    const info = await request(host.server).get('/v1/service-info').expect(200);
    expect(info.body.serviceInfo).toMatchObject({
      serverUrl: SERVER_URL,
      loginPath: '/auth',
      logoutUrl: `${SERVER_URL}/logout`,
    });
    await request(host.server).get('/service-info').expect(404);
    await request(host.server).get('/v1/api/service-info').expect(404);
  });

  it('renders the login page with every link, form and script under /v1', async () => {
    const res = await request(host.server).get('/v1/auth').expect(200);
    expect(res.text).toContain('<html lang="en" data-base="/v1">');
    const urls = urlsOf(res.text);
    expect(urls).toEqual(
      expect.arrayContaining([
        `${SERVER_URL}/gate/access`,
        `${SERVER_URL}/logout`,
        `${SERVER_URL}/auth/admin`,
        `${SERVER_URL}/`,
      ]),
    );
    const script = urls.find((url) => url.includes('login-page.js'))!;
    expect(script).toMatch(/^\/v1\/auth\/assets\/login-page\.js\?v=[0-9a-f]{16}$/);
    expect(outsideBase(urls)).toEqual([]);
    const js = await request(host.server).get(script).expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);

    const admin = await request(host.server).get('/v1/auth/admin').expect(200);
    expect(admin.text).toContain('data-base="/v1"');
    expect(outsideBase(urlsOf(admin.text))).toEqual([]);
    await request(host.server)
      .get(urlsOf(admin.text).find((u) => u.includes('admin-page.js'))!)
      .expect(200);
  });

  it('takes `next` as a path on the origin, which a global prefix does not change', async () => {
    const res = await request(host.server)
      .get('/v1/auth?success=true&next=%2Fv1%2Freports%3Fid%3D7')
      .expect(200);
    expect(res.text).toContain(`<a class="button" href="${ORIGIN}/v1/reports?id=7">Continue</a>`);
  });

  it('signs in by the e-mailed link, refreshes by cookie under /v1 and signs out', async () => {
    const link = await requestLink('ada@example.com', 'ad*@example.com');
    expect(link.pathname).toBe('/v1/auth');
    expect(`${link.origin}${link.pathname}`).toBe(`${SERVER_URL}/auth`);

    const confirm = await request(host.server).get(`${link.pathname}${link.search}`).expect(200);
    expect(confirm.text).toContain(`action="${SERVER_URL}/login"`);

    // A browser: its jar sends each cookie only to the paths it was set for.
    const browser = request.agent(host.server);
    const login = await browser
      .post('/v1/login')
      .type('form')
      .send({ username: link.searchParams.get('uid'), password: link.searchParams.get('token') })
      .expect(303)
      .expect('Location', `${SERVER_URL}/auth?success=true`);
    const issued = setCookies(login);
    expect(issued.map(({ name, path }) => [name, path])).toEqual([
      ['JWT', '/v1'],
      ['JWT_REFRESH_TOKEN', '/v1/oauth/access_token'],
    ]);
    const firstRefresh = issued[1].value;

    const me = await browser.get('/v1/user-info').expect(200);
    expect(me.body.user.email).toBe('ada@example.com');

    const heartbeat = await browser.get('/v1/oauth/access_token').expect(200);
    expect(heartbeat.body.refresh_token).not.toBe(firstRefresh);
    expect(setCookies(heartbeat).map(({ name, path }) => [name, path])).toEqual([
      ['JWT', '/v1'],
      ['JWT_REFRESH_TOKEN', '/v1/oauth/access_token'],
    ]);
    await browser.get('/v1/user-info').expect(200);

    const logout = await browser
      .post('/v1/logout')
      .set('Origin', ORIGIN)
      .expect(303)
      .expect('Location', `${SERVER_URL}/`);
    expect(setCookies(logout)).toEqual([
      { name: 'JWT', value: '', path: '/v1', maxAge: '0' },
      { name: 'JWT_REFRESH_TOKEN', value: '', path: '/v1/oauth/access_token', maxAge: '0' },
    ]);
    // The cleared cookies replaced the session's ones (same name and path): nothing left to send.
    await browser.get('/v1/user-info').expect(401);
    await browser.get('/v1/oauth/access_token').expect(400);
    await request(host.server)
      .post('/v1/oauth/access_token')
      .send({ grant_type: 'refresh_token', refresh_token: heartbeat.body.refresh_token })
      .expect(400);
  });

  it('redirects a failed sign-in and a form link request under /v1', async () => {
    await request(host.server)
      .post('/v1/login')
      .type('form')
      .send({ username: '1', password: 'not-a-token' })
      .expect(303)
      .expect('Location', `${SERVER_URL}/auth?success=false&error=invalid_link`);
    await request(host.server)
      .post('/v1/gate/access')
      .type('form')
      .set('Accept', 'text/html')
      .send({ email: 'grace@example.com' })
      .expect(303)
      .expect('Location', `${SERVER_URL}/auth?requested=true`);
    const failed = await request(host.server).get('/v1/auth?success=false&error=invalid_link');
    expect(urlsOf(failed.text)).toEqual([`${SERVER_URL}/auth`]);
  });
});

describe.each(PLATFORMS)(
  'ephemeral URLs of a host under /v1 with the /api copies on %s',
  (platform) => {
    let db: TestDatabase;
    let host: PrefixedHost;
    let bearer: string;

    beforeAll(async () => {
      db = await createTestDatabase();
      const config = testConfig({ DATABASE_URL: db.url, TOWER_SERVER_URL: SERVER_URL });
      host = await startPrefixedHost(platform, config, { apiAlias: true });
      const user = await createUser(host.app.get(DataSource));
      const tokens = await host.app
        .get(SessionService)
        .startSession(user, 'email', { userAgent: 'jest', ipAddress: '127.0.0.1' });
      bearer = tokens.accessToken;
    });

    afterAll(async () => {
      await host?.close();
      await db?.drop();
    });

    it.each([
      ['/v1/ephemeral', `${SERVER_URL}/ephemeral/`],
      ['/v1/api/ephemeral', `${SERVER_URL}/api/ephemeral/`],
    ])('POST %s answers a URL under %s that serves the content once', async (path, base) => {
      const res = await request(host.server)
        .post(path)
        .set('Authorization', `Bearer ${bearer}`)
        .send({ content: 'params: 1' })
        .expect(201);
      expect(res.body.url).toBe(`${base}${res.body.id}`);
      const got = await request(host.server).get(new URL(res.body.url).pathname).expect(200);
      expect(got.text).toBe('params: 1');
    });
  },
);

describe.each(PLATFORMS)('an OIDC sign-in and sign-out of a host under /v1 on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let host: PrefixedHost;

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      redirectUris: [`${SERVER_URL}/oauth/callback/oidc`],
      postLogoutRedirectUris: [`${SERVER_URL}/logout`],
    });
    const env = { DATABASE_URL: db.url, TOWER_SERVER_URL: SERVER_URL, ...oidcEnv(op) };
    host = await startPrefixedHost(platform, testConfig(env));
  });

  afterAll(async () => {
    await host?.close();
    await op?.close();
    await db?.drop();
  });

  it('keeps the callback, the flow and sign-out cookies and the provider sign-out under /v1', async () => {
    const account = op.addAccount();
    const browser = new Browser({ server: host.server, serverUrl: SERVER_URL });
    const start = await browser.get(`${SERVER_URL}/oauth/login/oidc`);
    expect(start.status).toBe(303);
    expect(new URL(start.location!).searchParams.get('redirect_uri')).toBe(
      `${SERVER_URL}/oauth/callback/oidc`,
    );
    expect(start.setCookies).toContainEqual(
      expect.stringMatching(/^TOWER_OAUTH_FLOW=.+; Path=\/v1;/),
    );

    const callback = await authorize(
      browser,
      start.location!,
      { account: account.sub },
      SERVER_URL,
    );
    expect(callback.startsWith(`${SERVER_URL}/oauth/callback/oidc?`)).toBe(true);
    const done = await browser.get(callback);
    expect({ status: done.status, location: done.location }).toEqual({
      status: 303,
      location: `${SERVER_URL}/auth?success=true`,
    });
    expect(done.setCookies).toContainEqual(expect.stringMatching(/^TOWER_OAUTH_FLOW=; Path=\/v1;/));
    expect(done.setCookies).toContainEqual(
      expect.stringMatching(/^TOWER_OIDC_LOGOUT=v1\.[\w-]+; Path=\/v1\/oauth\/logout;/),
    );
    expect((await browser.get(`${SERVER_URL}/user-info`)).status).toBe(200);

    const out = await browser.get(`${SERVER_URL}/oauth/logout`);
    expect(out.status).toBe(303);
    const target = new URL(out.location!);
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${SERVER_URL}/logout`);
    // The sign-out hint reached /v1/oauth/logout: the provider gets the id_token with it.
    expect(target.searchParams.get('id_token_hint')).toBeTruthy();
    expect(out.setCookies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^JWT=; Path=\/v1; Max-Age=0;/),
        expect.stringMatching(/^JWT_REFRESH_TOKEN=; Path=\/v1\/oauth\/access_token; Max-Age=0;/),
        expect.stringMatching(/^TOWER_OIDC_LOGOUT=; Path=\/v1\/oauth\/logout; Max-Age=0;/),
      ]),
    );
    expect((await browser.get(`${SERVER_URL}/user-info`)).status).toBe(401);
  });
});
