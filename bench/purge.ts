/**
 * The purge job on a large backlog: BENCH_PURGE_ROWS (default 100,000; `--rows 1000000` when
 * run directly) dead rows spread over the six purged tables, plus 0.5 % live ones, on a
 * throw-away database. Reports the purge rate and the latency of single-row inserts made by
 * another connection into the same tables, first without the purge, then during it.
 *
 *   node --import ./scripts/register-ts.mjs bench/purge.ts --rows 1000000
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AuditRepository } from '../packages/tower-auth/src/audit/audit.repository.js';
import { AuditService } from '../packages/tower-auth/src/audit/audit.service.js';
import { systemClock } from '../packages/tower-auth/src/common/clock.js';
import { PurgeRepository } from '../packages/tower-auth/src/purge/purge.repository.js';
import { PurgeService } from '../packages/tower-auth/src/purge/purge.service.js';
import { createDataSource } from '../src/database/data-source.js';
import { countRows, GARBAGE_TABLES, insertConcurrent, seedRows } from '../test/purge/garbage.js';
import { benchConfig, benchDatabase, intFromEnv, log } from './support.js';
import { formatInt, markdownTable, type BenchReport } from './table.js';

export interface PurgeBenchOptions {
  /** Dead rows to purge. */
  readonly rows: number;
  /** Seconds of inserts measured before the purge (the baseline). */
  readonly baselineSeconds: number;
  readonly database: string;
}

export const DEFAULT_PURGE_OPTIONS: PurgeBenchOptions = {
  rows: intFromEnv('BENCH_PURGE_ROWS', 100_000),
  baselineSeconds: intFromEnv('BENCH_PURGE_BASELINE_SECONDS', 5),
  database: 'tower_bench_purge',
};

/** The most an insert made while the purge runs may wait (docs/benchmarks.md). */
const INSERT_GOAL_MS = 200;

interface Latencies {
  readonly waits: number[];
}

/** Single-row inserts into the purged tables, back to back, each one timed. */
function startInserter(url: string): { stop(): Promise<Latencies> } {
  const client = new pg.Client({ connectionString: url });
  const waits: number[] = [];
  let stopping = false;
  const loop = (async () => {
    await client.connect();
    for (let i = 0; !stopping; i++) {
      const started = performance.now();
      await insertConcurrent(client, GARBAGE_TABLES[i % GARBAGE_TABLES.length]);
      waits.push(performance.now() - started);
    }
    await client.end();
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return { waits };
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

function latencyDetail({ waits }: Latencies, seconds: number): string {
  return `p50 ${ms(percentile(waits, 0.5))}, max ${ms(Math.max(...waits))}; ${formatInt(waits.length)} inserts over ${seconds.toFixed(1)} s`;
}

export async function runPurgeBenchmark(
  options: PurgeBenchOptions = DEFAULT_PURGE_OPTIONS,
): Promise<BenchReport> {
  Logger.overrideLogger(false);
  const db = await benchDatabase(options.database);
  const dataSource = createDataSource(db.url);
  const sql = new pg.Client({ connectionString: db.url });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await sql.connect();
    const live = Math.max(1, Math.round(options.rows / 200));
    log(`purge: seeding ${formatInt(options.rows)} dead and ${formatInt(live)} live rows...`);
    const seeded = await seedRows(sql, options.rows, live);

    const config = benchConfig({ DATABASE_URL: db.url });
    const purge = new PurgeService(
      new PurgeRepository(dataSource, config),
      new AuditService(new AuditRepository(dataSource)),
      config,
      systemClock,
    );

    const baseline = startInserter(db.url);
    await new Promise((r) => setTimeout(r, options.baselineSeconds * 1000));
    const quiet = await baseline.stop();

    const during = startInserter(db.url);
    const result = await purge.runOnce();
    const busy = await during.stop();
    if (!result.ran) throw new Error('the purge did not run (lock held?)');

    const problems: string[] = [];
    const left = Object.values(await countRows(sql, 'garbage')).reduce((a, b) => a + b, 0);
    if (left > 0) problems.push(`purge: ${formatInt(left)} dead rows left behind`);
    const kept = await countRows(sql, 'live');
    if (JSON.stringify(kept) !== JSON.stringify(seeded.live))
      problems.push('purge: live rows were deleted');
    if (result.failed.length) problems.push(`purge: failed on ${result.failed.join(', ')}`);

    const seconds = result.durationMs / 1000;
    const slowest = Math.max(...busy.waits);
    const warnings =
      slowest < INSERT_GOAL_MS
        ? []
        : [`purge: an insert waited ${ms(slowest)} during the purge (goal < ${INSERT_GOAL_MS} ms)`];
    return {
      rows: [
        {
          benchmark: `purge: ${formatInt(result.total)} dead rows`,
          result: `${formatInt(result.total / seconds)} rows/s`,
          detail: `${seconds.toFixed(2)} s, batches of ${formatInt(config.auth.purgeBatchSize)} over ${GARBAGE_TABLES.length} tables; ${formatInt(live)} live rows all kept`,
        },
        {
          benchmark: 'purge: inserts, no purge running',
          result: `p99 ${ms(percentile(quiet.waits, 0.99))}`,
          detail: latencyDetail(quiet, options.baselineSeconds),
        },
        {
          benchmark: 'purge: inserts while the purge runs',
          result: `p99 ${ms(percentile(busy.waits, 0.99))}`,
          detail: `${latencyDetail(busy, seconds)}; goal max < ${INSERT_GOAL_MS} ms: ${slowest < INSERT_GOAL_MS ? 'met' : 'missed'}`,
        },
      ],
      problems,
      warnings,
    };
  } finally {
    await sql.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  }
}

function rowsArgument(): number | undefined {
  const at = process.argv.indexOf('--rows');
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error('--rows needs a positive integer');
  return value;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = rowsArgument() ?? DEFAULT_PURGE_OPTIONS.rows;
  runPurgeBenchmark({ ...DEFAULT_PURGE_OPTIONS, rows })
    .then((report) => {
      process.stdout.write(`\n${markdownTable(report.rows)}\n\n`);
      for (const p of report.problems) process.stdout.write(`PROBLEM: ${p}\n`);
      for (const w of report.warnings ?? []) process.stdout.write(`WARNING: ${w}\n`);
      if (report.problems.length) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      process.stderr.write(`[bench] purge failed: ${String(error)}\n`);
      process.exitCode = 1;
    });
}
