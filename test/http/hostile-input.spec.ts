import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import { AccessTokenService } from '../../packages/tower-auth/src/access-tokens/access-token.service.js';
import type { HttpPlatform } from '../../src/config/service-settings.js';
import {
  SessionService,
  type IssuedTokens,
} from '../../packages/tower-auth/src/sessions/session.service.js';
import type { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';
import { createUser } from '../factories/users.js';
import { PLATFORMS, TEST_SECRET, testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { DEMO_HOST } from '../harness/demo.module.js';

/*
 * Hostile credentials and bodies against the guard (GET /user-info, GET /demo/me) and the
 * refresh endpoint (POST /oauth/access_token), on both HTTP platforms: every
 * answer is a JSON 4xx (400/401/403/413/415/431), never a 5xx, and no token used here ever
 * shows up in a log line or a response.
 */

const SERVER_URL = 'http://localhost:8000';
const APP_NAME = 'Seqera';
const GUARDED = ['/user-info', '/demo/me'] as const;
const REFRESH = '/oauth/access_token';
const ALLOWED = [400, 401, 403, 413, 415, 431];

// ---------------------------------------------------------------- log and response capture

const logLines: string[] = [];
const responseTexts: string[] = [];
/** Every token-like string sent by these tests (long enough that a substring match means a leak). */
const sentTokens = new Set<string>();

function track<T extends string>(token: T): T {
  if (token.length >= 20) sentTokens.add(token);
  return token;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

class RecordingLogger implements LoggerService {
  private record(level: string, message: unknown, params: unknown[]): void {
    logLines.push(`${level} ${[message, ...params].map(show).join(' ')}`);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }
}

/** Anything written to stdout/stderr bypassing Nest's logger is recorded too. */
function captureStdio(): () => void {
  type Write = (...args: unknown[]) => boolean;
  const streams = [process.stdout, process.stderr];
  const originals: Write[] = streams.map((s) => s.write.bind(s) as Write);
  streams.forEach((stream, i) => {
    const replacement: Write = (chunk, ...rest) => {
      logLines.push(`stdio ${Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk)}`);
      return originals[i](chunk, ...rest);
    };
    stream.write = replacement;
  });
  return () => {
    streams.forEach((stream, i) => {
      stream.write = originals[i];
    });
  };
}

// ---------------------------------------------------------------- the app under test

interface HostileApp {
  server: Server;
  port: number;
  login(): Promise<{ user: UserEntity; tokens: IssuedTokens }>;
  /** A personal access token of the user: its key and id. */
  personalToken(userId: string, name: string): Promise<{ key: string; id: string }>;
  deleteToken(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** As test/harness/session-app.ts, but with a logger that records every message. */
async function startHostileApp(platform: HttpPlatform, databaseUrl: string): Promise<HostileApp> {
  const config = testConfig({ DATABASE_URL: databaseUrl });
  expect(config.serverUrl).toBe(SERVER_URL);
  expect(config.appName).toBe(APP_NAME);
  const app = await createApp(config, {
    platform,
    logger: new RecordingLogger(),
    ...DEMO_HOST,
  });
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer() as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dataSource = app.get(DataSource);
  const sessions = app.get(SessionService);
  return {
    server,
    port: (server.address() as AddressInfo).port,
    login: async () => {
      const user = await createUser(dataSource);
      const tokens = await sessions.startSession(user, 'email', {
        userAgent: 'jest',
        ipAddress: '127.0.0.1',
      });
      track(tokens.accessToken);
      track(tokens.refreshToken);
      return { user, tokens };
    },
    personalToken: async (userId, name) => {
      const created = await app
        .get(AccessTokenService)
        .create(userId, { name, expiresAt: null }, { userAgent: 'jest', ipAddress: null });
      return { key: track(created.accessKey), id: String(created.token.id) };
    },
    deleteToken: (id) =>
      app.get(AccessTokenService).delete(id, null, { userId: '0', ipAddress: null }),
    close: () => app.close(),
  };
}

// ---------------------------------------------------------------- token crafting

const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString(
    'base64url',
  );

type Hmac = 'HS256' | 'HS384' | 'HS512';
const HMAC_DIGEST: Record<Hmac, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function hmacSign(alg: Hmac, secret: string, signingInput: string): string {
  return createHmac(HMAC_DIGEST[alg], Buffer.from(secret, 'utf8'))
    .update(signingInput)
    .digest('base64url');
}

/** A compact JWS with the given header and payload, HMAC-signed under `secret`. */
function craft(
  payload: unknown,
  options: { alg?: Hmac; secret?: string; header?: Record<string, unknown> } = {},
): string {
  const alg = options.alg ?? 'HS256';
  const header = options.header ?? { alg, typ: 'JWT' };
  const input = `${b64url(header)}.${b64url(payload)}`;
  return track(`${input}.${hmacSign(alg, options.secret ?? TEST_SECRET, input)}`);
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

function craftRs256(payload: unknown): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256')
    .update(input)
    .sign(rsa.privateKey)
    .toString('base64url');
  return track(`${input}.${signature}`);
}

const nowS = (): number => Math.floor(Date.now() / 1000);

/** Claims exactly as the service issues them for this session. */
function claimsFor(user: UserEntity, tokens: IssuedTokens): Record<string, unknown> {
  const iat = nowS();
  return {
    sub: user.id,
    sid: tokens.sessionId,
    roles: ['user'],
    iat,
    nbf: iat,
    exp: iat + 3600,
    iss: APP_NAME,
    aud: SERVER_URL,
  };
}

function without(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...claims };
  delete copy[key];
  return copy;
}

// ---------------------------------------------------------------- raw HTTP

interface RawResponse {
  /** null when the connection was reset before a status line arrived. */
  status: number | null;
  head: string;
  body: string;
  reset: boolean;
}

/** Bytes straight onto the socket: no client-side validation of header values. */
function rawRequest(port: number, bytes: Buffer): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    let done = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      let body = split >= 0 ? text.slice(split + 4) : '';
      if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: match ? Number(match[1]) : null, head, body, reset });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {
      reset = true;
      finish();
    });
    socket.on('close', finish);
    socket.setTimeout(10_000, finish);
    socket.write(bytes, () => socket.end());
  });
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

function rawGet(path: string, headerLines: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost:8000\r\nConnection: close\r\n`, 'latin1'),
    ...headerLines.flatMap((line) => [line, Buffer.from('\r\n', 'latin1')]),
    Buffer.from('\r\n', 'latin1'),
  ]);
}

// ---------------------------------------------------------------- common assertions

interface Answer {
  status: number;
  text: string;
  headers: Record<string, unknown>;
}

/** The invariants of every hostile answer; returns the parsed JSON body (or null). */
function checkAnswer(res: Answer, expected?: number): Record<string, unknown> | null {
  responseTexts.push(res.text ?? '', JSON.stringify(res.headers ?? {}));
  expect(res.status).toBeLessThan(500);
  expect(ALLOWED).toContain(res.status);
  if (expected !== undefined) expect(res.status).toBe(expected);
  if (!res.text) return null;
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.statusCode).toBe(res.status);
  expect(typeof body.message).toBe('string');
  if (res.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
  return body;
}

function checkRaw(res: RawResponse, allowed: number[]): void {
  responseTexts.push(res.head, res.body);
  if (res.status === null) {
    // Node's parser may simply drop the connection; that is no 5xx either.
    expect(res.reset || res.head === '').toBe(true);
    return;
  }
  expect(res.status).toBeLessThan(500);
  expect(allowed).toContain(res.status);
  if (res.body && res.status !== 431) {
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body.statusCode).toBe(res.status);
  }
}

function expectOAuthError(body: Record<string, unknown> | null, error: string): void {
  expect(body).toMatchObject({ statusCode: 400, error });
  expect(typeof body?.error_description).toBe('string');
}

// ---------------------------------------------------------------- the cases

let db: TestDatabase;
let restoreStdio: () => void;

beforeAll(async () => {
  restoreStdio = captureStdio();
  db = await createTestDatabase();
});

afterAll(async () => {
  restoreStdio?.();
  await db?.drop();
});

describe.each(PLATFORMS)('hostile input on %s', (platform) => {
  let t: HostileApp;
  let user: UserEntity;
  let tokens: IssuedTokens;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    t = await startHostileApp(platform, db.url);
    ({ user, tokens } = await t.login());
    claims = claimsFor(user, tokens);
  });

  afterAll(async () => {
    await t?.close();
  });

  const bearer = (path: string, token: string): Promise<Answer> =>
    request(t.server).get(path).set('Authorization', `Bearer ${token}`);
  const cookie = (path: string, value: string): Promise<Answer> =>
    request(t.server).get(path).set('Cookie', value);

  describe('controls', () => {
    it.each(GUARDED)(
      'GET %s with the issued token answers 200 (Bearer and cookie)',
      async (path) => {
        await request(t.server)
          .get(path)
          .set('Authorization', `Bearer ${tokens.accessToken}`)
          .expect(200);
        await request(t.server).get(path).set('Cookie', `JWT=${tokens.accessToken}`).expect(200);
      },
    );

    it.each(GUARDED)('GET %s with a token crafted exactly like ours answers 200', async (path) => {
      await request(t.server)
        .get(path)
        .set('Authorization', `Bearer ${craft(claims)}`)
        .expect(200);
    });

    it.each(GUARDED)('GET %s without any credential is 401', async (path) => {
      checkAnswer(await request(t.server).get(path), 401);
    });
  });

  /** Every case: a Bearer token the guard must refuse with 401. */
  const badTokens: [string, () => string][] = [
    [
      'alg none, empty signature',
      () => track(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`),
    ],
    [
      'alg none, no signature segment',
      () => track(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}`),
    ],
    [
      'alg "None" carrying an HS256 signature',
      () => craft(claims, { header: { alg: 'None', typ: 'JWT' } }),
    ],
    ['HS384 signed with the right secret', () => craft(claims, { alg: 'HS384' })],
    ['HS512 signed with the right secret', () => craft(claims, { alg: 'HS512' })],
    ['RS256 signed with an RSA key', () => craftRs256(claims)],
    [
      'RS256 header over an HMAC of the secret (algorithm confusion)',
      () => craft(claims, { header: { alg: 'RS256', typ: 'JWT' } }),
    ],
    ['HS256 signed with another secret', () => craft(claims, { secret: `${TEST_SECRET}-other` })],
    [
      'expired beyond the 30 s skew',
      () => craft({ ...claims, iat: nowS() - 3700, nbf: nowS() - 3700, exp: nowS() - 60 }),
    ],
    ['nbf in the future beyond the skew', () => craft({ ...claims, nbf: nowS() + 120 })],
    ['wrong aud', () => craft({ ...claims, aud: 'http://evil.example.com' })],
    ['wrong iss', () => craft({ ...claims, iss: 'NotSeqera' })],
    ['missing exp', () => craft(without(claims, 'exp'))],
    ['missing sid', () => craft(without(claims, 'sid'))],
    ['missing sub', () => craft(without(claims, 'sub'))],
    ['roles not an array', () => craft({ ...claims, roles: 'user' })],
    ['roles without "user"', () => craft({ ...claims, roles: ['admin'] })],
    ['sid not a UUID', () => craft({ ...claims, sid: "x' OR '1'='1" })],
    ['payload a JSON array', () => craft([claims])],
    ['payload not JSON', () => craft('not json at all')],
    [
      'header not JSON',
      () => track(`${b64url('{{{')}.${b64url(claims)}.${hmacSign('HS256', TEST_SECRET, 'x')}`),
    ],
    ['a refresh token', () => tokens.refreshToken],
    ['truncated', () => track(tokens.accessToken.slice(0, -7))],
    ['an extra segment', () => track(`${tokens.accessToken}.${b64url('more')}`)],
    ['five segments (JWE-shaped)', () => track(`${tokens.accessToken}.a.b`)],
    ['invalid base64 in the payload', () => track(tokens.accessToken.replace('.', '.*!~'))],
    ['standard base64 padding', () => track(`${tokens.accessToken}==`)],
    ['signature flipped in one character', () => track(flipLast(tokens.accessToken))],
    ['10 KB of token', () => track(`${tokens.accessToken}${'A'.repeat(10 * 1024)}`)],
  ];

  describe.each(GUARDED)('Bearer on GET %s', (path) => {
    it.each(badTokens)('refuses %s with 401', async (_name, make) => {
      checkAnswer(await bearer(path, make()), 401);
    });

    it.each(badTokens)('refuses %s in the JWT cookie with 401', async (_name, make) => {
      checkAnswer(await cookie(path, `JWT=${make()}`), 401);
    });

    it('refuses a Basic scheme, an empty Bearer and a Bearer with two tokens', async () => {
      checkAnswer(
        await request(t.server)
          .get(path)
          .set('Authorization', `Basic ${b64url('user:pass')}`),
        401,
      );
      checkAnswer(await request(t.server).get(path).set('Authorization', 'Bearer '), 401);
      checkAnswer(
        await request(t.server)
          .get(path)
          .set('Authorization', `Bearer ${tokens.accessToken} ${tokens.accessToken}`),
        401,
      );
    });

    it('a garbage Bearer wins over a valid cookie: 401', async () => {
      checkAnswer(
        await request(t.server)
          .get(path)
          .set('Authorization', `Bearer ${track(flipLast(tokens.accessToken))}`)
          .set('Cookie', `JWT=${tokens.accessToken}`),
        401,
      );
    });

    it('a 10 KB Authorization header is 401', async () => {
      checkAnswer(await bearer(path, track('x'.repeat(10 * 1024))), 401);
    });

    it('a 10 KB cookie header (the valid JWT among it) is 200 or 401, never more', async () => {
      const res = await cookie(path, `pad=${'p'.repeat(10 * 1024)}; JWT=${tokens.accessToken}`);
      expect([200, 401]).toContain(res.status);
      if (res.status !== 200) checkAnswer(res, 401);
    });

    it('a 10 KB garbage JWT cookie is 401', async () => {
      checkAnswer(await cookie(path, `JWT=${track('g'.repeat(10 * 1024))}`), 401);
    });

    it('a 100 KB Authorization header is 431 or a reset (or 400/401), never 5xx', async () => {
      const value = track(`Bearer ${'z'.repeat(100 * 1024)}`);
      const res = await rawRequest(
        t.port,
        rawGet(path, [Buffer.from(`Authorization: ${value}`, 'latin1')]),
      );
      checkRaw(res, [400, 401, 431]);
    });

    it('a 100 KB cookie header is 431 or a reset (or 400/401), never 5xx', async () => {
      const value = `JWT=${track('c'.repeat(100 * 1024))}`;
      const res = await rawRequest(
        t.port,
        rawGet(path, [Buffer.from(`Cookie: ${value}`, 'latin1')]),
      );
      checkRaw(res, [400, 401, 431]);
    });

    it('non-UTF-8 bytes in the Authorization header are 400 or 401', async () => {
      const line = Buffer.concat([
        Buffer.from('Authorization: Bearer ', 'latin1'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xa0, 0xa1, 0xe2, 0x82]),
        Buffer.from(tokens.accessToken.slice(0, 20), 'latin1'),
      ]);
      checkRaw(await rawRequest(t.port, rawGet(path, [line])), [400, 401]);
    });

    it('non-UTF-8 bytes in the JWT cookie are 400 or 401', async () => {
      const line = Buffer.concat([
        Buffer.from('Cookie: JWT=', 'latin1'),
        Buffer.from([0xf0, 0x28, 0x8c, 0xbc, 0xc0, 0xaf]),
      ]);
      checkRaw(await rawRequest(t.port, rawGet(path, [line])), [400, 401]);
    });

    it('latin-1 characters set through supertest are 401', async () => {
      checkAnswer(await bearer(path, 'caf\u00e9\u00ff\u00fe.\u00e9\u00e9.\u00e9'), 401);
    });

    it('a control character in the raw header is 400 (parser) or 401, never 5xx', async () => {
      const line = Buffer.from(`Authorization: Bearer ab\x01cd.ef\x7fgh.ij`, 'latin1');
      checkRaw(await rawRequest(t.port, rawGet(path, [line])), [400, 401]);
    });

    it('duplicated JWT cookies, one garbage then one valid, authenticate', async () => {
      const garbage = track(flipLast(tokens.accessToken));
      await cookie(path, `JWT=${garbage}; JWT=${tokens.accessToken}`).then((r) =>
        expect(r.status).toBe(200),
      );
      await cookie(path, `JWT=${tokens.accessToken}; JWT=${garbage}`).then((r) =>
        expect(r.status).toBe(200),
      );
    });

    it('duplicated JWT cookies, both garbage, are 401', async () => {
      checkAnswer(
        await cookie(path, `JWT=${track(flipLast(tokens.accessToken))}; JWT=not-a-token`),
        401,
      );
    });

    it('two Cookie headers each with a JWT, both garbage, are 401', async () => {
      const res = await rawRequest(
        t.port,
        rawGet(path, [
          Buffer.from('Cookie: JWT=aaaa.bbbb.cccc', 'latin1'),
          Buffer.from('Cookie: JWT=dddd.eeee.ffff', 'latin1'),
        ]),
      );
      checkRaw(res, [401]);
      expect(res.status).toBe(401);
    });

    it('a quoted cookie JWT="<valid>" (as the JDK sends it) is 200', async () => {
      await cookie(path, `JWT="${tokens.accessToken}"`).then((r) => expect(r.status).toBe(200));
    });

    it('a half-quoted or empty JWT cookie is 401', async () => {
      checkAnswer(await cookie(path, `JWT="${tokens.accessToken}`), 401);
      checkAnswer(await cookie(path, 'JWT=""'), 401);
      checkAnswer(await cookie(path, 'JWT='), 401);
    });
  });

  describe('personal access tokens', () => {
    let pat: { key: string; id: string };
    let otherPat: { key: string; id: string };
    let gonePat: { key: string; id: string };
    const basicToken = (password: string): string =>
      `Basic ${Buffer.from(`@token:${password}`).toString('base64')}`;
    const secretOf = (key: string): string => key.slice(-43);
    const randomSecret = (): string => randomBytes(32).toString('base64url');

    beforeAll(async () => {
      pat = await t.personalToken(user.id, `hostile-${platform}`);
      const other = await t.login();
      otherPat = await t.personalToken(other.user.id, `other-${platform}`);
      gonePat = await t.personalToken(user.id, `gone-${platform}`);
      await request(t.server).get('/demo/me').set('Authorization', `Bearer ${gonePat.key}`);
      const deleted = await t.deleteToken(gonePat.id);
      expect(deleted).toBe(true);
    });

    it.each(GUARDED)('GET %s with the key answers 200 (Bearer and Basic @token)', async (path) => {
      await request(t.server).get(path).set('Authorization', `Bearer ${pat.key}`).expect(200);
      await request(t.server).get(path).set('Authorization', basicToken(pat.key)).expect(200);
    });

    /** Every case: a key the guard must refuse with 401, sent as Bearer and as Basic @token. */
    const badKeys: [string, () => string][] = [
      ['truncated', () => track(pat.key.slice(0, -1))],
      ['one character more', () => track(`${pat.key}A`)],
      ['its secret flipped in one character', () => track(flipLast(pat.key))],
      [
        "another user's id with this secret",
        () => track(`tat_${otherPat.id}_${secretOf(pat.key)}`),
      ],
      [
        "another user's id with a random secret",
        () => track(`tat_${otherPat.id}_${randomSecret()}`),
      ],
      ['an id that does not exist', () => track(`tat_987654321_${randomSecret()}`)],
      ['an id past bigint', () => track(`tat_${'9'.repeat(25)}_${randomSecret()}`)],
      ['id 0', () => track(`tat_0_${randomSecret()}`)],
      ['a SQL-looking id', () => track(`tat_1 OR 1=1_${randomSecret()}`)],
      ['a deleted token', () => gonePat.key],
      ['the prefix alone', () => 'tat_'],
      ['JWT-looking after the prefix', () => track(`tat_${tokens.accessToken}`)],
      ['a session token with the key appended', () => track(`${tokens.accessToken}${pat.key}`)],
      ['10 KB of key', () => track(`${pat.key}${'A'.repeat(10 * 1024)}`)],
    ];

    describe.each(GUARDED)('on GET %s', (path) => {
      it.each(badKeys)('refuses %s with 401', async (_name, make) => {
        const key = make();
        checkAnswer(await bearer(path, key), 401);
        checkAnswer(await request(t.server).get(path).set('Authorization', basicToken(key)), 401);
      });

      it('refuses Basic with another user, an empty password, non-base64 and 10 KB', async () => {
        const headers = [
          `Basic ${Buffer.from(`root:${pat.key}`).toString('base64')}`,
          basicToken(''),
          'Basic %%%not-base64%%%',
          `Basic ${'QUFB'.repeat(2600)}`,
        ];
        for (const header of headers)
          checkAnswer(await request(t.server).get(path).set('Authorization', header), 401);
      });

      it('a key in the JWT cookie is 401', async () => {
        checkAnswer(await cookie(path, `JWT=${pat.key}`), 401);
      });
    });

    it('a key is never a refresh token: 400 invalid_grant, and never shown', async () => {
      const res = await request(t.server)
        .post(REFRESH)
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: pat.key });
      expect(checkAnswer(res, 400)).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('authorization', () => {
    it('a valid non-root user on GET /demo/root is 403', async () => {
      checkAnswer(await bearer('/demo/root', tokens.accessToken), 403);
    });

    it('forged root claims signed with another secret are 401', async () => {
      checkAnswer(
        await bearer(
          '/demo/root',
          craft({ ...claims, roles: ['user', 'root'] }, { secret: 'nope-nope-nope' }),
        ),
        401,
      );
    });

    it('a cookie-authenticated DELETE from another Origin is 403', async () => {
      const res = await request(t.server)
        .delete(`/admin/users/${user.id}/sessions`)
        .set('Cookie', `JWT=${tokens.accessToken}`)
        .set('Origin', 'https://evil.example.com');
      checkAnswer(res, 403);
    });

    it('a cookie-authenticated DELETE with Sec-Fetch-Site: cross-site is 403', async () => {
      const res = await request(t.server)
        .delete(`/admin/users/${user.id}/sessions`)
        .set('Cookie', `JWT=${tokens.accessToken}`)
        .set('Sec-Fetch-Site', 'cross-site');
      checkAnswer(res, 403);
    });
  });

  describe('refresh endpoint', () => {
    const postJson = (text: string): Promise<Answer> =>
      request(t.server).post(REFRESH).set('Content-Type', 'application/json').send(text);
    const postForm = (text: string): Promise<Answer> =>
      request(t.server)
        .post(REFRESH)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(text);

    it.each([
      ['an array', '[{"grant_type":"refresh_token","refresh_token":"x"}]'],
      ['null', 'null'],
      ['a string', '"refresh_token"'],
      ['a number', '42'],
      ['true', 'true'],
      ['an object refresh_token', '{"grant_type":"refresh_token","refresh_token":{"$ne":null}}'],
      ['an array refresh_token', '{"grant_type":"refresh_token","refresh_token":["a","b"]}'],
      ['a numeric grant_type', '{"grant_type":7,"refresh_token":"abc"}'],
      [
        'a __proto__ payload',
        '{"__proto__":{"refresh_token":"polluted"},"grant_type":"refresh_token"}',
      ],
      [
        'a constructor.prototype payload',
        '{"constructor":{"prototype":{"refresh_token":"polluted"}}}',
      ],
      ['deeply nested objects', `{"refresh_token":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`],
    ])('a JSON body that is %s is 400', async (_name, text) => {
      const body = checkAnswer(await postJson(text), 400);
      if (body && typeof body.error_description === 'string') {
        expect(['invalid_request', 'invalid_grant']).toContain(body.error);
      }
      expect(({} as Record<string, unknown>).refresh_token).toBeUndefined();
    });

    it('a malformed JSON body is 400', async () => {
      checkAnswer(await postJson('{"grant_type": "refresh_token", "refresh_token": '), 400);
      checkAnswer(await postJson('{grant_type=refresh_token}'), 400);
    });

    it('an empty JSON body is 400', async () => {
      checkAnswer(await postJson(''), 400);
    });

    it('a 3 MB JSON body is 413', async () => {
      const text = JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: 'r'.repeat(3 * 1024 * 1024),
      });
      const res = await postJson(text).catch((error: unknown) => {
        // The server may answer 413 and close before the upload finishes.
        const response = (error as { response?: Answer }).response;
        if (response) return response;
        throw error;
      });
      checkAnswer(res, 413);
    });

    it('a 3 MB form body is 413', async () => {
      const text = `grant_type=refresh_token&refresh_token=${'r'.repeat(3 * 1024 * 1024)}`;
      checkAnswer(await postForm(text), 413);
    });

    it.each([
      ['text/plain', 'grant_type=refresh_token&refresh_token=abc'],
      ['application/xml', '<grant><type>refresh_token</type></grant>'],
      [
        'multipart/form-data; boundary=XyZ',
        '--XyZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--XyZ--\r\n',
      ],
      ['application/octet-stream', '\u0000\u0001\u0002'],
    ])('a %s body is 4xx', async (type, text) => {
      const res = await request(t.server).post(REFRESH).set('Content-Type', type).send(text);
      const body = checkAnswer(res);
      expect([400, 415]).toContain(res.status);
      if (res.status === 400 && body?.error_description) expect(body.error).toBe('invalid_request');
    });

    it('grant_type=password is 400 unsupported_grant_type', async () => {
      const body = checkAnswer(await postForm(`grant_type=password&username=a&password=b`), 400);
      expectOAuthError(body, 'unsupported_grant_type');
      const json = checkAnswer(
        await postJson(
          JSON.stringify({ grant_type: 'password', refresh_token: tokens.refreshToken }),
        ),
        400,
      );
      expectOAuthError(json, 'unsupported_grant_type');
    });

    it('a missing refresh token is 400 invalid_request', async () => {
      expectOAuthError(
        checkAnswer(await postForm('grant_type=refresh_token'), 400),
        'invalid_request',
      );
      expectOAuthError(
        checkAnswer(await postForm('grant_type=refresh_token&refresh_token='), 400),
        'invalid_request',
      );
      expectOAuthError(
        checkAnswer(await postJson('{"grant_type":"refresh_token"}'), 400),
        'invalid_request',
      );
      expectOAuthError(checkAnswer(await request(t.server).post(REFRESH), 400), 'invalid_request');
    });

    it('an unknown refresh token is 400 invalid_grant', async () => {
      const unknown = track(randomBytes(32).toString('base64url'));
      expectOAuthError(
        checkAnswer(await postForm(`grant_type=refresh_token&refresh_token=${unknown}`), 400),
        'invalid_grant',
      );
      expectOAuthError(
        checkAnswer(
          await request(t.server).post(REFRESH).set('Cookie', `JWT_REFRESH_TOKEN=${unknown}`),
          400,
        ),
        'invalid_grant',
      );
      expectOAuthError(
        checkAnswer(
          await request(t.server).get(REFRESH).set('Cookie', `JWT_REFRESH_TOKEN="${unknown}"`),
          400,
        ),
        'invalid_grant',
      );
    });

    it('an access token sent as refresh_token is 400 invalid_grant', async () => {
      const res = await postForm(
        `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.accessToken)}`,
      );
      expectOAuthError(checkAnswer(res, 400), 'invalid_grant');
    });

    it('a repeated refresh_token form field is 400 invalid_request', async () => {
      const res = await postForm(
        `grant_type=refresh_token&refresh_token=${tokens.refreshToken}&refresh_token=${tokens.refreshToken}`,
      );
      expectOAuthError(checkAnswer(res, 400), 'invalid_request');
    });

    it('a 10 KB or non-ASCII refresh token is 400 invalid_grant', async () => {
      const huge = track('R'.repeat(10 * 1024));
      expectOAuthError(
        checkAnswer(await postForm(`grant_type=refresh_token&refresh_token=${huge}`), 400),
        'invalid_grant',
      );
      const res = await request(t.server)
        .post(REFRESH)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(
          Buffer.concat([
            Buffer.from('grant_type=refresh_token&refresh_token=', 'latin1'),
            Buffer.from([0xc3, 0x28, 0xff, 0x80]),
          ]),
        );
      // Raw bytes that are no UTF-8: refused as a malformed request or as an unknown grant.
      const body = checkAnswer(res, 400);
      expect(['invalid_request', 'invalid_grant']).toContain(body?.error);
      expectOAuthError(
        checkAnswer(await postForm('grant_type=refresh_token&refresh_token=%FF%FE%00'), 400),
        'invalid_grant',
      );
    });

    it('a hostile Bearer on the refresh POST is ignored: the answer is about the grant, not 401', async () => {
      const res = await request(t.server)
        .post(REFRESH)
        .set('Authorization', `Bearer ${craft({ ...claims, alg: 'none' }, { secret: 'wrong' })}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('grant_type=refresh_token');
      expectOAuthError(checkAnswer(res, 400), 'invalid_request');
    });

    it('a 100 KB refresh cookie is 431 or a reset (or 400), never 5xx', async () => {
      const head = Buffer.from(
        `POST ${REFRESH} HTTP/1.1\r\nHost: localhost:8000\r\nConnection: close\r\nContent-Length: 0\r\n` +
          `Cookie: JWT_REFRESH_TOKEN=${track('q'.repeat(100 * 1024))}\r\n\r\n`,
        'latin1',
      );
      checkRaw(await rawRequest(t.port, head), [400, 431]);
    });

    it('a JSON body whose declared length lies is 400, never 5xx', async () => {
      const bytes = Buffer.from(
        `POST ${REFRESH} HTTP/1.1\r\nHost: localhost:8000\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{"grant_type":"refresh_token"}`,
        'latin1',
      );
      checkRaw(await rawRequest(t.port, bytes), [400]);
    });

    it('the session survived every hostile refresh: its own token still refreshes', async () => {
      const res = await postForm(`grant_type=refresh_token&refresh_token=${tokens.refreshToken}`);
      expect(res.status).toBe(200);
      // The success legitimately carries new tokens; keep them out of the leak check.
      const body = JSON.parse(res.text) as { access_token: string; refresh_token: string };
      expect(body.refresh_token).not.toBe(tokens.refreshToken);
    });
  });

  it('no token sent by these tests appears in any log line or error response', () => {
    expect(sentTokens.size).toBeGreaterThan(30);
    expect(logLines.length).toBeGreaterThan(0);
    for (const token of sentTokens) {
      for (const line of logLines) expect(line.includes(token)).toBe(false);
      for (const text of responseTexts) expect(text.includes(token)).toBe(false);
    }
    // Nor anything that looks like one of our JWTs or refresh tokens.
    for (const line of logLines)
      expect(line).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});

function flipLast(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}
