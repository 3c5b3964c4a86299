import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { hashEphemeralId } from '../../packages/tower-auth/src/ephemeral/ephemeral-crypto.js';
import {
  EphemeralService,
  type EphemeralOptions,
} from '../../packages/tower-auth/src/ephemeral/ephemeral.service.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, TestClock, type SessionApp } from '../harness/session-app.js';
import { eventually, fetchBytes, listen, pendingGet } from './ephemeral-http.js';

/*
 * Fetching an ephemeral endpoint: the first GET gets the exact content, every later
 * one, and any after expiry, 403 (never 404/410, which clients retry); HEAD consumes nothing;
 * a response that never reached its client leaves the endpoint usable.
 */

const pathOf = (url: string): string => new URL(url).pathname;

describe.each(PLATFORMS)('ephemeral endpoints on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let service: EphemeralService;
  const clock = new TestClock();

  const create = (content: Buffer | string, options: EphemeralOptions = {}) =>
    service.create(content, options);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url }, clock);
    service = t.app.get(EphemeralService);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each([
    ['json', 'application/json', '{"input":"s3://bucket/reads/*.fq","threads":8}'],
    ['yml', 'application/yaml', 'input: s3://bucket/reads\nthreads: 8\n'],
    [undefined, 'text/plain; charset=utf-8', 'process.executor = "awsbatch"\n'],
  ] as const)(
    'serves a .%s endpoint once, exactly, then 403',
    async (extension, contentType, content) => {
      const endpoint = await create(content, { extension });
      expect(endpoint.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(endpoint.url).toBe(
        `${t.config.serverUrl}/ephemeral/${endpoint.id}${extension ? `.${extension}` : ''}`,
      );

      const first = await fetchBytes(t.server, pathOf(endpoint.url)).expect(200);
      expect((first.body as Buffer).toString('utf8')).toBe(content);
      expect(first.headers['content-type']).toBe(contentType);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.headers['referrer-policy']).toBe('no-referrer');
      expect(first.headers['x-content-type-options']).toBe('nosniff');

      const again = await request(t.server).get(pathOf(endpoint.url)).expect(403);
      expect(again.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      // Another spelling of the same id is the same endpoint: consumed.
      await request(t.server).get(`/ephemeral/${endpoint.id}.yaml`).expect(403);
    },
  );

  it('serves binary content byte for byte, also under /api', async () => {
    const content = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);
    const endpoint = await create(content, { apiPrefix: true });
    expect(endpoint.url).toBe(`${t.config.serverUrl}/api/ephemeral/${endpoint.id}`);
    const res = await fetchBytes(t.server, pathOf(endpoint.url)).expect(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.compare(res.body as Buffer, content)).toBe(0);
    await request(t.server).get(`/ephemeral/${endpoint.id}`).expect(403);
  });

  it('answers 403 after expiry, and for ids that never existed', async () => {
    const endpoint = await create('secret: x', { duration: 60 });
    clock.advance(61);
    const expired = await request(t.server).get(pathOf(endpoint.url)).expect(403);
    const unknown = await request(t.server)
      .get(`/ephemeral/${'A'.repeat(22)}`)
      .expect(403);
    // The same answer, bar the id of each request.
    expect({ ...unknown.body, requestId: null }).toEqual({ ...expired.body, requestId: null });
  });

  it('HEAD consumes nothing: a GET after it still gets the content', async () => {
    const endpoint = await create('{"a":1}', { extension: 'json' });
    for (let i = 0; i < 3; i++) {
      const head = await request(t.server).head(pathOf(endpoint.url)).expect(200);
      expect(head.headers['content-type']).toBe('application/json');
      expect(head.headers['cache-control']).toBe('no-store');
    }
    const res = await fetchBytes(t.server, pathOf(endpoint.url)).expect(200);
    expect((res.body as Buffer).toString()).toBe('{"a":1}');
    await request(t.server).head(pathOf(endpoint.url)).expect(403);
    await request(t.server)
      .head(`/ephemeral/${'B'.repeat(21)}A`)
      .expect(403);
  });

  it('ignores any Authorization header, valid or garbage', async () => {
    const { tokens } = await t.login();
    for (const authorization of [
      `Bearer ${tokens.accessToken}`,
      'Bearer expired.garbage.token',
      'Basic Zm9vOmJhcg==',
      'Bearer',
    ]) {
      const endpoint = await create('x');
      await request(t.server)
        .get(pathOf(endpoint.url))
        .set('Authorization', authorization)
        .set('Cookie', 'JWT=not-a-token')
        .expect(200);
    }
  });

  it('of 100 concurrent GETs of one id exactly one gets the content, 99 get 403', async () => {
    await listen(t.server);
    const endpoint = await create('{"token":"scm-credential"}', { extension: 'json' });
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => request(t.server).get(pathOf(endpoint.url))),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(99);
  });

  it('an answer that never reached its client leaves the endpoint usable once', async () => {
    const port = await listen(t.server);
    const endpoint = await create('params: restored', { extension: 'yml' });
    const path = pathOf(endpoint.url);
    // Hold the row so the GET waits inside its consuming UPDATE while the client goes away.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM tower_auth.ephemeral_endpoints WHERE id_hash = $1 FOR UPDATE`,
        [hashEphemeralId(endpoint.id)],
      );
      const get = await pendingGet(t.server, port, path);
      const waiting = await eventually(
        () => waitingUpdates(t),
        (n) => n === 1,
      );
      expect(waiting).toBe(1);
      await get.abandon();
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    // Its UPDATE consumed the endpoint once the lock was released, then gave it back: the
    // retry gets the content (without the give-back it would get 403 forever).
    const res = await eventually(
      () => fetchBytes(t.server, path),
      (r) => r.status === 200,
    );
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString()).toBe('params: restored');
    await request(t.server).get(path).expect(403);
  });
});

/** Backends of the app blocked on a row lock in the consuming UPDATE. */
async function waitingUpdates(t: SessionApp): Promise<number> {
  const rows: { n: number }[] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'
        AND query LIKE 'UPDATE tower_auth.ephemeral_endpoints SET consumed_at%'`,
  );
  return rows[0].n;
}
