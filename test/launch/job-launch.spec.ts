import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { AuthError } from '../../packages/tower-auth/src/common/auth-error.js';
import { loadTowerConfig } from '../../packages/tower-auth/src/config/config.loader.js';
import {
  LaunchCredentialsService,
  type LaunchCredentials,
} from '../../packages/tower-auth/src/launch/launch-credentials.service.js';
import { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';
import { PurgeService } from '../../packages/tower-auth/src/purge/purge.service.js';
import { PLATFORMS, TEST_SECRET } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  fakeDateOnly,
  startSessionApp,
  type SessionApp,
  type TestClock,
} from '../harness/session-app.js';
import { createUser } from '../factories/users.js';
import { mismatches, type JsonObject } from '../http/openapi-kit.js';

/*
 * The story of a launched job (README, "Job launch credentials"): the platform hands Nextflow
 * TOWER_ACCESS_TOKEN, TOWER_REFRESH_TOKEN and a params URL, and the job starts whenever the queue
 * lets it. What it can still do then depends on the refresh-token expiration and
 * tower.ephemeral.duration.
 *
 * Time: the session and endpoint rules follow the injected TestClock, access-token expiry
 * follows Date (jsonwebtoken); both are moved together, as in nextflow-client.spec.ts.
 */

const API = '/api';
const H = 3600;
const MIN = 60;
const BEARER = { type: 'bearer' } as const;
/**
 * The README's example for jobs that wait up to 12 hours, with the micronaut keys of
 * docs/configuration.md.
 */
const LONG_QUEUE_YML = `tower:
  ephemeral:
    duration: 12h
micronaut:
  security:
    token:
      jwt:
        signatures:
          refresh-token:
            expiration: 12h
      refresh:
        cookie:
          cookie-max-age: 14h
`;

let clock: TestClock;

function advance(seconds: number): void {
  clock.advance(seconds);
  jest.setSystemTime(clock.now());
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
  text: string;
}

/** The cookie `name` a response sets, as Nextflow's cookie store reads it. */
function cookie(res: Answer, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  for (const line of lines) {
    const pair = line.split(';')[0];
    if (pair.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

/**
 * What Nextflow does with a launch's environment when the job starts: reads its params file
 * from the URL (anonymous, once), calls the API with its Bearer token and, on 401, refreshes
 * with a form POST to `/api/oauth/access_token`, taking the new tokens from the cookies.
 */
class NextflowJob {
  accessToken: string;
  refreshToken: string;

  constructor(
    private readonly server: Server,
    private readonly launch: LaunchCredentials,
  ) {
    this.accessToken = launch.env.TOWER_ACCESS_TOKEN;
    this.refreshToken = launch.env.TOWER_REFRESH_TOKEN;
  }

  fetchParams(): Promise<Answer> {
    return request(this.server).get(new URL(this.launch.paramsUrl).pathname).buffer(true);
  }

  userInfo(): Promise<Answer> {
    return request(this.server)
      .get(`${API}/user-info`)
      .set('Authorization', `Bearer ${this.accessToken}`);
  }

  async refresh(): Promise<Answer> {
    const res = await request(this.server)
      .post(`${API}/oauth/access_token`)
      .type('form')
      .send(`grant_type=refresh_token&refresh_token=${encodeURIComponent(this.refreshToken)}`);
    if (res.status === 200) {
      this.accessToken = cookie(res, 'JWT') ?? this.accessToken;
      this.refreshToken = cookie(res, 'JWT_REFRESH_TOKEN') ?? this.refreshToken;
    }
    return res;
  }
}

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tower-launch-'));
  writeFileSync(path.join(dir, 'tower.yml'), LONG_QUEUE_YML);
  clock = fakeDateOnly();
});

afterAll(async () => {
  jest.useRealTimers();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the lifetimes of the README example', () => {
  const warningsOf = (yml: string): string[] => {
    const file = path.join(dir, `check-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(file, yml);
    return loadTowerConfig({
      env: { TOWER_JWT_SECRET: TEST_SECRET, TOWER_CONFIG_FILE: file },
      cwd: dir,
    }).warnings.filter((w) => /ephemeral|refresh/.test(w));
  };

  it('raising only the ephemeral duration gets a boot warning; the README example does not', () => {
    expect(warningsOf('tower:\n  ephemeral:\n    duration: 12h\n')).toEqual([
      expect.stringMatching(/tower\.ephemeral\.duration \(12h\) is longer than the refresh/),
    ]);
    expect(warningsOf(LONG_QUEUE_YML)).toEqual([]);
  });
});

describe.each(PLATFORMS)('job launch credentials on %s', (platform) => {
  const ROOT_EMAIL = `launcher-root-${platform}@example.com`;
  let t: SessionApp;
  let long: SessionApp;
  let launcher: LaunchCredentialsService;

  beforeAll(async () => {
    t = await startSessionApp(
      platform,
      { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL },
      clock,
    );
    long = await startSessionApp(
      platform,
      { DATABASE_URL: db.url, TOWER_CONFIG_FILE: path.join(dir, 'tower.yml') },
      clock,
    );
    launcher = t.app.get(LaunchCredentialsService);
  });

  afterAll(async () => {
    await t?.close();
    await long?.close();
  });

  let rootUser: UserEntity | undefined;
  /** A fresh access token of the root user (each test may come hours after the last). */
  async function rootToken(): Promise<string> {
    rootUser ??= await createUser(t.dataSource, { email: ROOT_EMAIL });
    const tokens = await t.sessions.startSession(rootUser, 'email', {
      userAgent: 'jest',
      ipAddress: '127.0.0.1',
    });
    return tokens.accessToken;
  }

  const PARAMS = { input: 's3://bucket/samples.csv', outdir: 's3://bucket/results', reads: 2 };

  async function launch(app: SessionApp): Promise<{ userId: string; job: LaunchCredentials }> {
    const user = await createUser(app.dataSource);
    const job = await app.app.get(LaunchCredentialsService).issue(user.id, {
      params: PARAMS,
      requestInfo: { userAgent: 'launcher/1.0', ipAddress: '10.0.0.7' },
    });
    return { userId: user.id, job };
  }

  /** The job started late: its params, its refresh, and the API with the new token. */
  async function startsAndWorks(app: SessionApp, job: LaunchCredentials, userId: string) {
    const nextflow = new NextflowJob(app.server, job);
    const params = await nextflow.fetchParams();
    expect(params.status).toBe(200);
    expect(params.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(params.text)).toEqual(PARAMS);

    // The access token of the launch expired long ago: Nextflow refreshes.
    expect((await nextflow.userInfo()).status).toBe(401);
    const refreshed = await nextflow.refresh();
    expect(refreshed.status).toBe(200);
    expect(nextflow.accessToken).not.toBe(job.env.TOWER_ACCESS_TOKEN);
    expect(nextflow.refreshToken).not.toBe(job.env.TOWER_REFRESH_TOKEN);
    const me = await nextflow.userInfo();
    expect(me.status).toBe(200);
    expect((me.body as { user: { id: number } }).user.id).toBe(Number(userId));
  }

  it('hands over both tokens and a params URL, valid for the configured lifetimes', async () => {
    const launchedAt = clock.now();
    const { userId, job } = await launch(t);
    expect(Object.keys(job.env).sort()).toEqual(['TOWER_ACCESS_TOKEN', 'TOWER_REFRESH_TOKEN']);
    expect(job.paramsUrl).toMatch(
      new RegExp(`^${t.config.serverUrl}/ephemeral/[A-Za-z0-9_-]{22}\\.json$`),
    );
    expect(job.accessTokenExpiresAt.getTime()).toBe(
      Math.floor(launchedAt / 1000) * 1000 + t.config.auth.accessTokenExpiration * 1000,
    );
    expect(job.refreshTokenIdleExpiresAt.getTime()).toBe(launchedAt + 6 * H * 1000);
    expect(job.paramsExpiresAt.getTime()).toBe(launchedAt + 6 * H * 1000);
    // The access token works right away, as the user it was issued for.
    const me = await new NextflowJob(t.server, job).userInfo();
    expect(me.status).toBe(200);
    expect((me.body as { user: { id: number } }).user.id).toBe(Number(userId));
  });

  it('a job that starts 5 h 59 min after launch fetches its params and refreshes its token', async () => {
    const { userId, job } = await launch(t);
    advance(5 * H + 59 * MIN);
    await startsAndWorks(t, job, userId);
  });

  it('a job that starts 6 h 01 min after launch gets 403 on its params and invalid_grant on refresh', async () => {
    const { job } = await launch(t);
    advance(6 * H + MIN);
    const nextflow = new NextflowJob(t.server, job);
    const params = await nextflow.fetchParams();
    expect(params.status).toBe(403);
    expect(params.text).not.toContain('samples.csv');
    expect((await nextflow.userInfo()).status).toBe(401);
    const refreshed = await nextflow.refresh();
    expect(refreshed.status).toBe(400);
    expect(refreshed.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('with the README example (12h, 12h, 14h) a job that starts after 11 h works', async () => {
    expect(long.config.ephemeral.duration).toBe(12 * H);
    expect(long.config.auth.refreshTokenExpiration).toBe(12 * H);
    expect(long.config.auth.refreshCookieMaxAge).toBe(14 * H);
    const { userId, job } = await launch(long);
    expect(job.paramsExpiresAt.getTime() - clock.now()).toBe(12 * H * 1000);
    advance(11 * H);
    await startsAndWorks(long, job, userId);
  });

  it('takes YAML params as written, and refuses oversized ones before any session exists', async () => {
    const user = await createUser(t.dataSource);
    const yaml = 'input: samples.csv\nreads: 2\n';
    const job = await launcher.issue(user.id, { params: yaml, extension: 'yml' });
    expect(job.paramsUrl).toMatch(/\.yml$/);
    const params = await new NextflowJob(t.server, job).fetchParams();
    expect(params.status).toBe(200);
    expect(params.headers['content-type']).toMatch(/^application\/yaml/);
    expect(params.text).toBe(yaml);
    // Single use: a second fetch is refused.
    expect((await new NextflowJob(t.server, job).fetchParams()).status).toBe(403);

    const sessionsOf = async (): Promise<number> =>
      Number(
        (
          await t.dataSource.query(
            `SELECT count(*) AS n FROM tower_auth.sessions WHERE user_id = $1`,
            [user.id],
          )
        )[0].n,
      );
    const before = await sessionsOf();
    const huge = 'x'.repeat(t.config.ephemeral.maxBytes + 1);
    await expect(launcher.issue(user.id, { params: huge })).rejects.toMatchObject({
      name: 'AuthError',
      code: 'content_too_large',
    });
    expect(await sessionsOf()).toBe(before);
  });

  it('refuses an unknown or disabled user before anything is created', async () => {
    const count = async (): Promise<number> =>
      Number((await t.dataSource.query(`SELECT count(*) AS n FROM tower_auth.sessions`))[0].n);
    const before = await count();
    await expect(launcher.issue('999999999', { params: PARAMS })).rejects.toMatchObject({
      name: 'AuthError',
      code: 'unknown_user',
    });
    await expect(launcher.issue('not-an-id', { params: PARAMS })).rejects.toBeInstanceOf(AuthError);
    const disabled = await createUser(t.dataSource, { status: 'disabled' });
    await expect(launcher.issue(disabled.id, { params: PARAMS })).rejects.toMatchObject({
      code: 'user_disabled',
      message: expect.stringContaining('disabled'),
    });
    expect(await count()).toBe(before);
  });

  it('shows the job session as such to root, and revoking it by id stops its token within a second', async () => {
    const { userId, job } = await launch(t);
    const root = await rootToken();
    const browser = await t.sessions.startSession(await userOf(t, userId), 'email', {
      userAgent: 'Firefox',
      ipAddress: '10.0.0.8',
    });

    const listed = await request(t.server)
      .get(`/admin/users/${userId}/sessions`)
      .auth(root, { type: 'bearer' });
    expect(listed.status).toBe(200);
    const sessions = (listed.body as { sessions: Record<string, unknown>[] }).sessions;
    expect(sessions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: job.sessionId,
          kind: 'job',
          provider: 'launch',
          userAgent: 'launcher/1.0',
          ipAddress: '10.0.0.7',
        }),
        expect.objectContaining({ id: browser.sessionId, kind: 'browser', provider: 'email' }),
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toContain(job.env.TOWER_REFRESH_TOKEN);
    // A user who is not root sees nothing.
    expect(
      (
        await request(t.server)
          .get(`/admin/users/${userId}/sessions`)
          .auth(browser.accessToken, { type: 'bearer' })
      ).status,
    ).toBe(403);

    // The other instance on the same database (`long`) accepts the job's token too, until...
    expect((await new NextflowJob(long.server, job).userInfo()).status).toBe(200);
    const ended = await request(t.server)
      .delete(`/admin/sessions/${job.sessionId}`)
      .auth(root, { type: 'bearer' });
    expect(ended.status).toBe(204);

    // ...the revocation reaches it within a second.
    const deadline = performance.now() + 1000;
    let statuses: number[];
    do {
      statuses = [
        (await new NextflowJob(t.server, job).userInfo()).status,
        (await new NextflowJob(long.server, job).userInfo()).status,
      ];
      if (statuses.every((s) => s === 401)) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (performance.now() < deadline);
    expect(statuses).toEqual([401, 401]);
    expect((await new NextflowJob(t.server, job).refresh()).status).toBe(400);
    // The browser session of the same user goes on; the job is gone from the listing.
    expect(
      (
        await request(t.server)
          .get(`${API}/user-info`)
          .auth(browser.accessToken, { type: 'bearer' })
      ).status,
    ).toBe(200);
    const after = await request(t.server)
      .get(`/admin/users/${userId}/sessions`)
      .auth(root, { type: 'bearer' });
    expect((after.body as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toEqual([
      browser.sessionId,
    ]);

    // Once ended, the id names no live session; a malformed id is a 400, not a 5xx.
    const again = await request(t.server)
      .delete(`/admin/sessions/${job.sessionId}`)
      .auth(root, { type: 'bearer' });
    expect(again.status).toBe(404);
    const bad = await request(t.server)
      .delete(`/admin/sessions/not-a-uuid`)
      .auth(root, { type: 'bearer' });
    expect(bad.status).toBe(400);
  });

  it('the admin session routes answer as the OpenAPI document says', async () => {
    const doc = (await request(t.server).get('/openapi.json').expect(200)).body as JsonObject;
    const root = await rootToken();
    const { userId, job } = await launch(t);
    const check = (method: string, route: string, res: Answer, status: number): void => {
      expect({
        status: res.status,
        problems: mismatches(doc, method, route, res as never),
      }).toEqual({ status, problems: [] });
    };
    const s = request(t.server);
    const list = '/admin/users/{id}/sessions';
    check('get', list, await s.get(`/admin/users/${userId}/sessions`).auth(root, BEARER), 200);
    check('get', list, await s.get('/admin/users/999999999/sessions').auth(root, BEARER), 404);
    check('get', list, await s.get('/admin/users/x/sessions').auth(root, BEARER), 400);
    const one = '/admin/sessions/{id}';
    check(
      'delete',
      one,
      await s.delete(`/admin/sessions/${job.sessionId}`).auth(root, BEARER),
      204,
    );
    check(
      'delete',
      one,
      await s.delete(`/admin/sessions/${job.sessionId}`).auth(root, BEARER),
      404,
    );
  });

  it('the host ends a job session by its id when the run is over', async () => {
    const { job } = await launch(t);
    expect(await launcher.revoke(job.sessionId)).toBe(true);
    expect(await launcher.revoke(job.sessionId)).toBe(false);
    expect(await launcher.revoke('not-a-uuid')).toBe(false);
    expect((await new NextflowJob(t.server, job).refresh()).status).toBe(400);
  });

  it('the purge deletes a job session once it has expired, like any session', async () => {
    const { job } = await launch(t);
    const exists = async (): Promise<boolean> =>
      (await t.dataSource.query(`SELECT 1 FROM tower_auth.sessions WHERE id = $1`, [job.sessionId]))
        .length === 1;
    const purge = t.app.get(PurgeService);
    await purge.runOnce();
    expect(await exists()).toBe(true);
    // Expired (idle) and past the retention of expired sessions.
    advance(6 * H + t.config.auth.sessionRetention + MIN);
    const result = await purge.runOnce();
    expect(result).toMatchObject({ ran: true });
    expect(await exists()).toBe(false);
  });
});

async function userOf(app: SessionApp, id: string): Promise<UserEntity> {
  return (await app.dataSource.getRepository(UserEntity).findOneBy({ id })) as UserEntity;
}
