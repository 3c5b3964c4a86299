import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { fetchBytes, listen, rawGet } from './ephemeral-http.js';

/*
 * POST /ephemeral and hostile input on both routes: every refusal is a JSON 4xx
 * (400, 401, 403, 413, 415), never a 5xx.
 */

const MiB = 1024 * 1024;
const pathOf = (url: string): string => new URL(url).pathname;

describe.each(PLATFORMS)('POST /ephemeral and bad input on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let bearer: string;

  const post = (path = '/ephemeral') =>
    request(t.server).post(path).set('Authorization', `Bearer ${bearer}`);

  /** The invariants of a refusal: the expected status and the JSON error body. */
  function refused(res: request.Response, status: number): void {
    expect({ status: res.status, body: res.body as unknown }).toMatchObject({
      status,
      body: { statusCode: status },
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp(platform, { DATABASE_URL: db.url });
    bearer = (await t.login()).tokens.accessToken;
    await listen(t.server);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('creates from JSON: 201 with the URL, which serves the content once', async () => {
    const before = Date.now();
    const res = await post()
      .send({ content: '{"reads":"s3://b/*.fq"}', extension: 'json', duration: '30m' })
      .expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.url).toBe(`${t.config.serverUrl}/ephemeral/${res.body.id}.json`);
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 60_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1000);
    const got = await fetchBytes(t.server, pathOf(res.body.url)).expect(200);
    expect(got.headers['content-type']).toBe('application/json');
    expect((got.body as Buffer).toString()).toBe('{"reads":"s3://b/*.fq"}');
    await request(t.server).get(pathOf(res.body.url)).expect(403);
  });

  it('takes a raw body as the content with its own type; under /api the URL is too', async () => {
    const yaml = Buffer.from('reads: s3://b/*.fq\nλ: ü\n', 'utf8');
    const res = await post('/api/ephemeral')
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(201);
    expect(res.body.url).toBe(`${t.config.serverUrl}/api/ephemeral/${res.body.id}.yml`);
    const got = await fetchBytes(t.server, pathOf(res.body.url)).expect(200);
    expect(got.headers['content-type']).toBe('application/yaml');
    expect(Buffer.compare(got.body as Buffer, yaml)).toBe(0);

    const binary = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0xff]);
    for (const type of ['application/octet-stream', 'text/plain; charset=latin1']) {
      const created = await post().set('Content-Type', type).send(binary).expect(201);
      const served = await fetchBytes(t.server, pathOf(created.body.url)).expect(200);
      expect(served.headers['content-type']).toBe(type);
      expect(Buffer.compare(served.body as Buffer, binary)).toBe(0);
    }
  });

  it('creates exactly max-bytes, refuses one byte more with 413', async () => {
    const max = t.config.ephemeral.maxBytes;
    await post()
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(max, 1))
      .expect(201);
    refused(
      await post()
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.alloc(max + 1, 1)),
      413,
    );
    refused(await post().send({ content: 'x'.repeat(max + 1) }), 413);
  });

  it.each([
    ['a 2 MiB raw body', 'application/octet-stream', Buffer.alloc(2 * MiB, 7)],
    ['a 2 MiB JSON body', 'application/json', JSON.stringify({ content: 'x'.repeat(2 * MiB) })],
    ['a 3 MiB text body', 'text/plain', 'y'.repeat(3 * MiB)],
  ])('%s is 413', async (_name, type, body) => {
    const res = await post()
      .set('Content-Type', type)
      .send(body)
      .catch((error: unknown) => {
        // The server may answer 413 and close before the upload finishes.
        const response = (error as { response?: request.Response }).response;
        if (response) return response;
        throw error;
      });
    refused(res, 413);
  });

  it.each([
    ['no content', {}],
    ['content that is not a string', { content: 42 }],
    ['a JSON array', [{ content: 'x' }]],
    ['an unknown extension', { content: 'x', extension: 'sh' }],
    ['a bad duration', { content: 'x', duration: 'soon' }],
    ['a negative duration', { content: 'x', duration: -5 }],
    ['a duration beyond the cap', { content: 'x', duration: '400d' }],
    ['a header-splitting content type', { content: 'x', contentType: 'text/plain\r\nX-A: b' }],
    ['a content type that is not one', { content: 'x', contentType: 'not a type' }],
  ])('%s is 400', async (_name, body) => {
    refused(await post().send(body), 400);
  });

  it('an empty raw body is 400, a form body 415, and without a credential 401', async () => {
    refused(
      await post().set('Content-Type', 'application/octet-stream').send(Buffer.alloc(0)),
      400,
    );
    refused(await post().type('form').send('content=x'), 415);
    refused(await request(t.server).post('/ephemeral').send({ content: 'x' }), 401);
  });

  it.each([
    ['too short', 'abc', 403],
    ['one character too many', `${'A'.repeat(22)}A`, 403],
    ['outside base64url', `${'A'.repeat(21)}+`, 403],
    ['a non-canonical last character', `${'A'.repeat(21)}B`, 403],
    ['an unknown extension', `${'A'.repeat(22)}.txt`, 403],
    ['an encoded traversal', '..%2F..%2Fadmin%2Fusers', 403],
    ['an encoded NUL', `${'A'.repeat(21)}%00`, 403],
    // Both platforms refuse a path that does not decode before any route runs.
    ['percent garbage', '%E0%A4%A', 400],
  ])('GET with an id %s is %d', async (_name, id, status) => {
    refused(await request(t.server).get(`/ephemeral/${id}`), status);
  });

  it('GET with a 200-character id is 403 on both platforms', async () => {
    // Fastify's router would refuse path parameters over 100 characters with 414; create-app
    // raises its limit so both platforms give the same answer.
    refused(await request(t.server).get(`/ephemeral/${'A'.repeat(200)}`), 403);
  });

  it('a raw ../ path never reaches anything it should not, and never fails', async () => {
    const port = await listen(t.server);
    for (const path of ['/ephemeral/../admin/users', '/ephemeral/..', '/api/ephemeral/./x/../y']) {
      const res = await rawGet(port, path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: res.status });
    }
  });
});
