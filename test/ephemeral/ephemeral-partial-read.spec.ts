import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { EphemeralService } from '../../packages/tower-auth/src/ephemeral/ephemeral.service.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';
import { eventually, fetchBytes, listen, partialGet } from './ephemeral-http.js';

/*
 * A response that started to go out may have been read, even if the connection dropped before
 * the end: the first bytes (where credentials usually sit) are out. Such a read consumes the
 * endpoint and leaves an audit row; only an answer of which no byte was written is given back.
 */

/** Far more than the socket buffers of both ends hold: the server cannot finish writing. */
const LARGE = 24 * 1024 * 1024;

const pathOf = (url: string): string => new URL(url).pathname;

describe.each(PLATFORMS)('partial read of an ephemeral endpoint on %s', (platform) => {
  let db: TestDatabase;
  let t: SessionApp;
  let service: EphemeralService;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tower-ephemeral-'));
    const yaml = path.join(dir, 'tower.yml');
    writeFileSync(yaml, `tower:\n  ephemeral:\n    max-bytes: ${2 * LARGE}\n`);
    t = await startSessionApp(platform, { DATABASE_URL: db.url, TOWER_CONFIG_FILE: yaml });
    service = t.app.get(EphemeralService);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const partialReads = async (): Promise<{ detail: Record<string, unknown> }[]> =>
    t.dataSource.query(
      `SELECT detail FROM tower_auth.audit_events WHERE type = 'ephemeral_partial_read' ORDER BY id`,
    );

  it('a read dropped after the first bytes consumes the endpoint and is audited', async () => {
    const port = await listen(t.server);
    const before = (await partialReads()).length;
    const content = Buffer.alloc(LARGE, 'token: scm-credential\n');
    const endpoint = await service.create(content, { extension: 'yml' });

    const got = await partialGet(t.server, port, pathOf(endpoint.url));
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(LARGE);
    expect(got.toString()).toMatch(/^token: scm-credential/);

    const rows = (await eventually(partialReads, (r) => r.length === before + 1)).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0].detail).toEqual({
      bytes: LARGE,
      contentType: 'application/yaml',
      requestId: expect.any(String),
    });
    expect(JSON.stringify(rows[0])).not.toContain(endpoint.id);
    await request(t.server).get(pathOf(endpoint.url)).expect(403);
  });

  it('a complete read of a large endpoint is not reported as partial', async () => {
    const before = (await partialReads()).length;
    const content = Buffer.alloc(LARGE, 'whole\n');
    const endpoint = await service.create(content, { extension: 'json' });
    const res = await fetchBytes(t.server, pathOf(endpoint.url)).expect(200);
    expect(Buffer.compare(res.body as Buffer, content)).toBe(0);
    // A partial read after it is recorded; by then the complete one would have been too.
    const other = await service.create(Buffer.alloc(LARGE, 'x'), { extension: 'yml' });
    await partialGet(t.server, await listen(t.server), pathOf(other.url));
    const rows = await eventually(partialReads, (r) => r.length === before + 1);
    expect(rows.slice(before).map((r) => r.detail.contentType)).toEqual(['application/yaml']);
  });
});
