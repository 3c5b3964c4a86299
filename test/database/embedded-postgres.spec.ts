import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as unknown[];
  } finally {
    await client.end();
  }
}

describe('embedded Postgres', () => {
  it('creates a cluster in the data folder, and a second start reuses its data', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'tower-embedded-')), 'postgres');
    const first = await startEmbeddedPostgres(dir, () => undefined);
    try {
      expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/tower$/);
      await query(
        first.url,
        'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)',
      );
    } finally {
      await first.stop();
    }
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
    // The superuser password is not readable by other users.
    expect(statSync(`${dir}.credentials.json`).mode & 0o077).toBe(0);

    const second = await startEmbeddedPostgres(dir, () => undefined);
    try {
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
    await expect(query(second.url, 'SELECT 1')).rejects.toThrow();
  }, 120_000);
});
