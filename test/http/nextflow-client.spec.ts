import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Server } from 'node:http';
import request from 'supertest';
import type { IssuedTokens } from '../../packages/tower-auth/src/sessions/session.service.js';
import type { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  fakeDateOnly,
  startSessionApp,
  type SessionApp,
  type TestClock,
} from '../harness/session-app.js';

/*
 * A client that behaves like Nextflow's token manager: it calls `/api/user-info`
 * with its Bearer token, and on 401 refreshes with a form POST to `/api/oauth/access_token`
 * (no Authorization, or its stale Bearer, which must be ignored), follows redirects by hand,
 * requires a final 200, takes the new tokens from its cookie jar and retries.
 *
 * Time: the session rules follow the injected TestClock, access-token expiry follows Date
 * (jsonwebtoken). Both are moved together: Date is faked (nothing else is), so an access
 * token really expires without the test waiting an hour.
 */

const SERVER_URL = 'http://localhost:8000';
const API = '/api';
const ACCESS = 'JWT';
const REFRESH = 'JWT_REFRESH_TOKEN';
const SKEW_S = 30;

// ---------------------------------------------------------------- time

let clock: TestClock;

function advance(seconds: number): void {
  clock.advance(seconds);
  jest.setSystemTime(clock.now());
}

// ---------------------------------------------------------------- a minimal cookie jar

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** ms since the epoch, or null for a session cookie. */
  expiresAt: number | null;
}

interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flag attributes map to ''. */
  attributes: Map<string, string>;
}

function parseSetCookie(line: string): SetCookie {
  const [pair, ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    if (key) attributes.set(key, at < 0 ? '' : part.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

function setCookieLines(headers: Record<string, unknown>): string[] {
  const raw = headers['set-cookie'];
  if (raw === undefined) return [];
  if (Array.isArray(raw)) return raw.map((line) => String(line));
  return typeof raw === 'string' ? [raw] : [];
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** RFC 6265 §5.1.4 default-path. */
function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(headers: Record<string, unknown>, requestPath: string): void {
    for (const line of setCookieLines(headers)) {
      const cookie = parseSetCookie(line);
      const path = cookie.attributes.get('path') || defaultPath(requestPath.split('?')[0]);
      const key = `${cookie.name};${path}`;
      const maxAge = cookie.attributes.get('max-age');
      const seconds = maxAge === undefined ? null : Number(maxAge);
      if (seconds !== null && seconds <= 0) {
        this.cookies.delete(key);
        continue;
      }
      this.cookies.set(key, {
        name: cookie.name,
        value: cookie.value,
        path,
        expiresAt: seconds === null ? null : Date.now() + seconds * 1000,
      });
    }
  }

  /** The Cookie header for a request to `requestPath`, longest paths first (RFC 6265 §5.4). */
  header(requestPath: string): string | undefined {
    const path = requestPath.split('?')[0];
    const sent = this.live()
      .filter((c) => pathMatches(path, c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`);
    return sent.length > 0 ? sent.join('; ') : undefined;
  }

  /** Like Java's CookieStore.getCookies(): any path. */
  get(name: string): string | undefined {
    return this.live().find((c) => c.name === name)?.value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  private live(): StoredCookie[] {
    const now = Date.now();
    for (const [key, c] of this.cookies)
      if (c.expiresAt !== null && c.expiresAt <= now) this.cookies.delete(key);
    return [...this.cookies.values()];
  }
}

// ---------------------------------------------------------------- the client

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
  text: string;
}

class RefreshFailed extends Error {
  constructor(readonly answer: Answer) {
    super(`refresh failed with ${answer.status}`);
  }
}

interface ClientOptions {
  /** Sends its (expired) Bearer on the refresh POST too, as older Nextflow versions do. */
  staleBearerOnRefresh?: boolean;
  /** A browser-like client: JWT cookie only, refresh by the JWT_REFRESH_TOKEN cookie, bodies ignored. */
  cookieOnly?: boolean;
}

class NextflowClient {
  accessToken: string;
  refreshToken: string;
  readonly jar = new CookieJar();
  readonly refreshTokensSeen: string[] = [];
  refreshes = 0;

  constructor(
    private readonly server: Server,
    tokens: { accessToken: string; refreshToken: string },
    private readonly options: ClientOptions = {},
  ) {
    this.accessToken = tokens.accessToken;
    this.refreshToken = tokens.refreshToken;
    this.refreshTokensSeen.push(tokens.refreshToken);
    if (options.cookieOnly) {
      // What the login callback would have left in a browser.
      this.jar.store(
        {
          'set-cookie': [
            `${ACCESS}=${tokens.accessToken}; Path=/; Max-Age=3600`,
            `${REFRESH}=${tokens.refreshToken}; Path=/oauth/access_token`,
          ],
        },
        '/',
      );
    }
  }

  /** GET /api/user-info, refreshing once on 401. */
  async userInfo(): Promise<Answer> {
    const first = await this.get(`${API}/user-info`);
    if (first.status !== 401) return first;
    await this.refresh();
    return this.get(`${API}/user-info`);
  }

  async get(path: string): Promise<Answer> {
    const req = request(this.server).get(path);
    if (!this.options.cookieOnly) req.set('Authorization', `Bearer ${this.accessToken}`);
    const cookies = this.jar.header(path);
    if (cookies) req.set('Cookie', cookies);
    const res = await req;
    this.jar.store(res.headers, path);
    return res;
  }

  async refresh(): Promise<Answer> {
    // The JWT_REFRESH_TOKEN cookie has Path=/oauth/access_token: a cookie-only client must post there.
    let path = this.options.cookieOnly ? '/oauth/access_token' : `${API}/oauth/access_token`;
    let method: 'POST' | 'GET' = 'POST';
    let res: Answer | null = null;
    for (let hop = 0; hop < 5; hop++) {
      const req =
        method === 'POST' ? request(this.server).post(path) : request(this.server).get(path);
      if (this.options.staleBearerOnRefresh) req.set('Authorization', `Bearer ${this.accessToken}`);
      const cookies = this.jar.header(path);
      if (cookies) req.set('Cookie', cookies);
      if (method === 'POST') {
        req.set('Content-Type', 'application/x-www-form-urlencoded');
        req.send(
          this.options.cookieOnly
            ? ''
            : `grant_type=refresh_token&refresh_token=${encodeURIComponent(this.refreshToken)}`,
        );
      }
      res = await req;
      this.jar.store(res.headers, path);
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || typeof location !== 'string') break;
      path = new URL(location, SERVER_URL).pathname;
      if (res.status === 303) method = 'GET';
    }
    if (!res || res.status !== 200) throw new RefreshFailed(res as Answer);
    const access = this.jar.get(ACCESS);
    const refresh = this.jar.get(REFRESH);
    if (!access || !refresh) throw new RefreshFailed(res);
    this.accessToken = access;
    this.refreshToken = refresh;
    this.refreshTokensSeen.push(refresh);
    this.refreshes++;
    return res;
  }
}

// ---------------------------------------------------------------- scenarios

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  clock = fakeDateOnly();
});

afterAll(async () => {
  jest.useRealTimers();
  await db?.drop();
});

describe.each(PLATFORMS)('a Nextflow-like client on %s', (platform) => {
  let t: SessionApp;
  let lifetime: number;

  beforeAll(async () => {
    t = await startSessionApp(platform, { DATABASE_URL: db.url }, clock);
    lifetime = t.config.auth.accessTokenExpiration;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Past the access token's expiry and the verifier's clock skew. */
  const expireAccessToken = (): void => advance(lifetime + SKEW_S + 5);

  async function survivesCycles(
    client: NextflowClient,
    user: UserEntity,
    cycles: number,
  ): Promise<void> {
    const first = await client.userInfo();
    expect(first.status).toBe(200);
    expect(client.refreshes).toBe(0);
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const before = { access: client.accessToken, refresh: client.refreshToken };
      expireAccessToken();
      // The held token really is expired now: the client has to refresh.
      const stale = await request(t.server)
        .get(`${API}/user-info`)
        .set('Authorization', `Bearer ${before.access}`);
      expect(stale.status).toBe(401);
      expect(stale.headers['www-authenticate']).toBe('Bearer');

      const res = await client.userInfo();
      expect(res.status).toBe(200);
      expect((res.body as { user: { id: number } }).user.id).toBe(Number(user.id));
      expect(client.refreshes).toBe(cycle);
      expect(client.refreshToken).not.toBe(before.refresh);
      expect(client.accessToken).not.toBe(before.access);
    }
    // Every refresh rotated the refresh token.
    expect(new Set(client.refreshTokensSeen).size).toBe(cycles + 1);
  }

  describe('(a) expiry and refresh cycles', () => {
    it('survives many expiry/refresh cycles without Authorization on the refresh', async () => {
      const { user, tokens } = await t.login();
      await survivesCycles(new NextflowClient(t.server, tokens), user, 8);
    });

    it('survives them while still sending its expired Bearer on the refresh POST', async () => {
      const { user, tokens } = await t.login();
      await survivesCycles(
        new NextflowClient(t.server, tokens, { staleBearerOnRefresh: true }),
        user,
        5,
      );
    });

    it('a refresh token two rotations old is refused once the grace window has passed', async () => {
      const { tokens } = await t.login();
      const client = new NextflowClient(t.server, tokens);
      await client.refresh();
      advance(t.config.auth.refreshGrace + 1);
      await client.refresh();
      const res = await request(t.server)
        .post(`${API}/oauth/access_token`)
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('(b) cookie-only client', () => {
    it('survives expiry/refresh cycles on cookies alone, never reading a body', async () => {
      const { user, tokens } = await t.login();
      const client = new NextflowClient(t.server, tokens, { cookieOnly: true });
      await survivesCycles(client, user, 5);
      expect(client.jar.has(ACCESS)).toBe(true);
      expect(client.jar.header('/api/user-info')).not.toContain(REFRESH);
      expect(client.jar.header('/oauth/access_token')).toContain(`${REFRESH}=`);
    });
  });

  describe('(c) the refresh answer', () => {
    async function refreshed(
      send: (tokens: IssuedTokens) => Promise<Answer>,
    ): Promise<{ user: UserEntity; res: Answer }> {
      const { user, tokens } = await t.login();
      const res = await send(tokens);
      expect(res.status).toBe(200);
      return { user, res };
    }

    function checkAnswer(user: UserEntity, res: Answer): void {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(
        ['access_token', 'expires_in', 'refresh_token', 'roles', 'token_type', 'username'].sort(),
      );
      expect(body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'Bearer',
        expires_in: lifetime,
        refresh_token: expect.stringMatching(/^[\w-]{43}$/),
        username: user.userName,
        roles: ['user'],
      });

      const cookies = setCookieLines(res.headers).map(parseSetCookie);
      expect(cookies.map((c) => c.name).sort()).toEqual([ACCESS, REFRESH]);
      const access = cookies.find((c) => c.name === ACCESS) as SetCookie;
      const refresh = cookies.find((c) => c.name === REFRESH) as SetCookie;
      expect(access.value).toBe(body.access_token);
      expect(refresh.value).toBe(body.refresh_token);
      expect(Object.fromEntries(access.attributes)).toEqual({
        path: '/',
        'max-age': String(lifetime),
        httponly: '',
        samesite: 'Lax',
      });
      expect(Object.fromEntries(refresh.attributes)).toEqual({
        path: '/oauth/access_token',
        'max-age': String(t.config.auth.refreshCookieMaxAge),
        httponly: '',
        samesite: 'Lax',
      });
      for (const c of cookies) {
        expect(c.attributes.has('domain')).toBe(false);
        expect(c.attributes.has('secure')).toBe(false);
      }
    }

    it('a form POST to /api/oauth/access_token answers exactly the OAuth body and both cookies', async () => {
      const { user, res } = await refreshed((tokens) =>
        request(t.server)
          .post(`${API}/oauth/access_token`)
          .type('form')
          .send(
            `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.refreshToken)}`,
          ),
      );
      checkAnswer(user, res);
    });

    it('a JSON POST to /oauth/access_token with Accept: text/html answers the same, not a redirect', async () => {
      const { user, res } = await refreshed((tokens) =>
        request(t.server)
          .post('/oauth/access_token')
          .set('Accept', 'text/html')
          .send({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken }),
      );
      checkAnswer(user, res);
    });

    it('the browser heartbeat (GET with the cookie) answers the same', async () => {
      const { user, res } = await refreshed((tokens) =>
        request(t.server)
          .get('/oauth/access_token')
          .set('Cookie', `${REFRESH}=${tokens.refreshToken}`),
      );
      checkAnswer(user, res);
    });

    it('the client takes the same tokens from its jar as the body names', async () => {
      const { tokens } = await t.login();
      const client = new NextflowClient(t.server, tokens);
      const res = await client.refresh();
      const body = res.body as { access_token: string; refresh_token: string };
      expect(client.accessToken).toBe(body.access_token);
      expect(client.refreshToken).toBe(body.refresh_token);
    });
  });

  describe('(d) logout', () => {
    it('clears both cookies, then refresh is invalid_grant and the old access token is 401 within 1 s', async () => {
      const { tokens } = await t.login();
      const client = new NextflowClient(t.server, tokens);
      await client.refresh();
      expect((await client.userInfo()).status).toBe(200);
      expect(client.jar.has(ACCESS) && client.jar.has(REFRESH)).toBe(true);
      const held = { access: client.accessToken, refresh: client.refreshToken };

      const out = await request(t.server)
        .post(`${API}/logout`)
        .set('Authorization', `Bearer ${held.access}`)
        .set('Accept', 'application/json');
      expect(out.status).toBe(200);
      const cleared = setCookieLines(out.headers).map(parseSetCookie);
      expect(
        cleared
          .map((c) => [c.name, c.value, c.attributes.get('path'), c.attributes.get('max-age')])
          .sort(),
      ).toEqual([
        [ACCESS, '', '/', '0'],
        [REFRESH, '', '/oauth/access_token', '0'],
      ]);
      for (const c of cleared) expect(c.attributes.has('domain')).toBe(false);
      client.jar.store(out.headers, `${API}/logout`);
      expect(client.jar.has(ACCESS)).toBe(false);
      expect(client.jar.has(REFRESH)).toBe(false);

      const refresh = await request(t.server)
        .post(`${API}/oauth/access_token`)
        .type('form')
        .send(`grant_type=refresh_token&refresh_token=${encodeURIComponent(held.refresh)}`);
      expect(refresh.status).toBe(400);
      expect(refresh.body).toMatchObject({ statusCode: 400, error: 'invalid_grant' });
      expect(typeof refresh.body.error_description).toBe('string');

      const deadline = performance.now() + 1000;
      let status: number;
      do {
        status = (
          await request(t.server)
            .get(`${API}/user-info`)
            .set('Authorization', `Bearer ${held.access}`)
        ).status;
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 50));
      } while (performance.now() < deadline);
      expect(status).toBe(401);

      // And the client itself cannot get back in: its refresh fails with 400.
      await expect(client.userInfo()).rejects.toMatchObject({ answer: { status: 400 } });
    });
  });
});
