import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../packages/tower-auth/src/audit/audit.repository.js';
import { AuditService } from '../../packages/tower-auth/src/audit/audit.service.js';
import { systemClock } from '../../packages/tower-auth/src/common/clock.js';
import { EphemeralRepository } from '../../packages/tower-auth/src/ephemeral/ephemeral.repository.js';
import { EphemeralService } from '../../packages/tower-auth/src/ephemeral/ephemeral.service.js';
import { createDataSource } from '../../src/database/data-source.js';
import { testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/*
 * A database dump reveals nothing of an ephemeral endpoint. Everything a dump of
 * ephemeral_endpoints holds (every column, as Postgres prints it and as raw bytes) is searched for
 * the ids and for every 8-byte piece of the known contents, in the encodings a reader would try.
 */

const WINDOW = 8;

/** Every WINDOW-byte piece of `content`. */
function pieces(content: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + WINDOW <= content.length; i++) out.push(content.subarray(i, i + WINDOW));
  return out;
}

describe('ephemeral endpoints at rest', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let service: EphemeralService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    const config = testConfig({ DATABASE_URL: db.url });
    service = new EphemeralService(
      new EphemeralRepository(ds),
      new AuditService(new AuditRepository(ds)),
      config,
      systemClock,
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('a dump of the table holds neither an id nor any piece of a content', async () => {
    const contents = [
      Buffer.from('{"scm":{"github":{"password":"ghp_0123456789abcdefghijklmnop"}}}'),
      Buffer.from('params:\n  input: s3://private-bucket/patients/reads/*.fastq.gz\n'),
      Buffer.from('A'.repeat(4096)),
      randomBytes(2048),
    ];
    const ids: string[] = [];
    for (const content of contents) {
      for (const extension of ['json', undefined] as const) {
        ids.push((await service.create(content, { extension })).id);
      }
    }

    const rows: Record<string, unknown>[] = await ds.query(
      `SELECT * FROM tower_auth.ephemeral_endpoints`,
    );
    const printed: { text: string }[] = await ds.query(
      `SELECT t::text AS text FROM tower_auth.ephemeral_endpoints t`,
    );
    expect(rows).toHaveLength(ids.length);
    const raw = Buffer.concat(
      rows.flatMap((row) =>
        Object.values(row).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)))),
      ),
    );
    const text = printed.map((p) => p.text).join('\n');
    // The dump as a reader could decode it: raw bytes, Postgres' hex text, and those bytes
    // read back as UTF-8 / Latin-1.
    const haystacks = [raw, Buffer.from(text), Buffer.from(text.toLowerCase())];

    for (const id of ids) {
      const idBytes = Buffer.from(id, 'base64url');
      for (const needle of [id, idBytes.toString('hex'), idBytes.toString('base64')]) {
        expect(haystacks.some((h) => h.includes(needle))).toBe(false);
      }
      expect(raw.includes(idBytes)).toBe(false);
    }
    for (const content of contents) {
      for (const piece of pieces(content)) {
        expect(raw.includes(piece)).toBe(false);
        expect(text.includes(piece.toString('hex'))).toBe(false);
        expect(text.includes(piece.toString('latin1'))).toBe(false);
      }
    }
  });

  it('audits a creation without the id or the content', async () => {
    const content = 'audit-probe-content-0123456789';
    const { id } = await service.create(content);
    const dump = async (): Promise<string> => {
      const printed: { text: string }[] = await ds.query(
        `SELECT t::text AS text FROM tower_auth.audit_events t`,
      );
      return printed.map((p) => p.text).join('\n');
    };
    // The audit insert is not awaited by create(): wait for it.
    const recorded = async (): Promise<number> => {
      const [{ n }]: { n: number }[] = await ds.query(
        `SELECT count(*)::int AS n FROM tower_auth.audit_events
          WHERE type = 'ephemeral_created' AND detail->>'bytes' = '30'`,
      );
      return n;
    };
    for (let i = 0; i < 100 && (await recorded()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await recorded()).toBe(1);
    const all = await dump();
    expect(all).not.toContain(id);
    expect(all).not.toContain(content);
  });
});
