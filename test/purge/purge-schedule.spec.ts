import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApp } from '../../src/app/create-app.js';
import { testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { countRows, seedRows } from './garbage.js';

/*
 * The scheduled purge: it runs by itself every `tower.auth.purge.interval`, logs one line
 * per run, and a run that fails (here: a table locked past the purge's lock timeout) is
 * logged and retried by the next one, without anything escaping the scheduler.
 */

class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  /** Lines of the Purge logger only. */
  readonly purge: string[] = [];
  log(message: unknown, context?: unknown): void {
    this.record('log', message, context);
  }
  warn(message: unknown, context?: unknown): void {
    this.record('warn', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest.at(-1));
  }
  private record(level: string, message: unknown, context: unknown): void {
    const line = `${level} ${String(message)}`;
    this.lines.push(line);
    if (context === 'Purge') this.purge.push(line);
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scheduled purge', () => {
  let db: TestDatabase;
  let dir: string;
  let sql: pg.Client;
  let app: INestApplication | undefined;
  const logger = new RecordingLogger();
  const purgeLines = (): string[] => logger.purge;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tower-purge-'));
    writeFileSync(
      path.join(dir, 'tower.yml'),
      'tower:\n  auth:\n    purge:\n      interval: 1s\n      batch-size: 100\n',
    );
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await app?.close();
    await sql?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs by itself, survives a failing table and catches up on the next run', async () => {
    const seeded = await seedRows(sql, 1_000, 100);
    // Locked past the purge's 2 s lock timeout: the first run fails on this table.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE tower_auth.audit_events IN ACCESS EXCLUSIVE MODE');
    try {
      const config = testConfig({
        DATABASE_URL: db.url,
        TOWER_CONFIG_FILE: path.join(dir, 'tower.yml'),
      });
      expect(config.auth.purgeInterval).toBe(1);
      app = await createApp(config, { platform: 'fastify', logger });
      await app.init();

      await until(() => purgeLines().some((l) => l.startsWith('log Purged')), 10_000);
      const [warning, summary] = purgeLines();
      expect(warning).toMatch(
        /^warn Purge of audit_events failed \(next run retries\): .*lock timeout/,
      );
      expect(summary).toMatch(
        /^log Purged \d+ rows in \d+ ms \(sessions 250, .*\); failed: audit_events \[schedule\]$/,
      );
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    // The second run's summary line is written after its last commit: wait for the line, not
    // for the rows, or the count can be read between the two.
    const caughtUp = (l: string) => /^log Purged .*audit_events 250\b/.test(l) && !/failed/.test(l);
    await until(() => purgeLines().some(caughtUp), 10_000);
    expect(await countRows(sql, 'garbage')).toEqual({
      sessions: 0,
      magic_link_tokens: 0,
      ephemeral_endpoints: 0,
      mail_outbox: 0,
      audit_events: 0,
      rate_limit_buckets: 0,
    });
    expect(await countRows(sql, 'live')).toEqual(seeded.live);
    // One line per run, nothing thrown out of the scheduler.
    expect(purgeLines().filter((l) => l.startsWith('error'))).toEqual([]);
    expect(purgeLines().filter((l) => l.startsWith('log Purged')).length).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
