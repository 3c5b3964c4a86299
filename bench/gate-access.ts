/**
 * Latency of POST /gate/access while the SMTP server takes 1 s to accept each message:
 * `node --import ./scripts/register-ts.mjs bench/gate-access.ts [--write]`.
 *
 * One real SMTP server (smtp-server, slowed down) and the Nest app on Fastify, then on Express,
 * each on a throw-away database. A worker thread starts BENCH_GATE_RATE requests per second
 * (open loop) for BENCH_GATE_SECONDS per scenario: a new address each time (the user is created),
 * known addresses, and addresses the allow list refuses. Every answer must be 200 {"state":0}.
 * If the request waited for SMTP, no answer could come in under a second. `--write` replaces
 * this benchmark's section of docs/benchmarks.md.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import type { HttpPlatform } from '../src/config/service-settings.js';
import { TestSmtpServer } from '../test/harness/smtp.js';
import { baseUrl, benchConfig, benchDatabase, intFromEnv, log } from './support.js';
import { formatInt, markdownTable, type BenchReport, type BenchRow } from './table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DOC = resolve(HERE, '..', 'docs', 'benchmarks.md');
const WORKER = resolve(HERE, 'gate-access-load.worker.mjs');
const SECTION_START = '<!-- gate-access:start -->';
const SECTION_END = '<!-- gate-access:end -->';

const SECONDS = intFromEnv('BENCH_GATE_SECONDS', 8);
const RATE = intFromEnv('BENCH_GATE_RATE', 50);
const SMTP_DELAY_MS = intFromEnv('BENCH_SMTP_DELAY_MS', 1000);

type Scenario = 'new' | 'known' | 'refused';
const SCENARIOS: Record<Scenario, string> = {
  new: 'new address each time (user created, link queued)',
  known: 'known address (link queued)',
  refused: 'address refused by the allow list (nothing queued)',
};

interface LoadResult {
  latencies: number[];
  statuses: Record<string, number>;
  wrongBodies: number;
  /** The first few transport errors (status 0). */
  errors: string[];
}

export async function runGateAccessBenchmark(): Promise<BenchReport> {
  const smtp = await TestSmtpServer.start({ delayMs: SMTP_DELAY_MS });
  const rows: BenchRow[] = [];
  const problems: string[] = [];
  try {
    for (const platform of ['fastify', 'express'] as const) {
      await benchPlatform(platform, smtp, rows, problems);
    }
  } finally {
    await smtp.stop();
  }
  rows.push({
    benchmark: 'gate settings',
    result: '',
    detail:
      `SMTP server accepts each message after ${formatInt(SMTP_DELAY_MS)} ms; ` +
      `${RATE} requests/s started by a worker thread whether or not earlier ones answered (open loop), ` +
      `${SECONDS} s per scenario after a 1 s warm-up; latency = when the request was due to the end of the answer`,
  });
  return { rows, problems };
}

async function benchPlatform(
  platform: HttpPlatform,
  smtp: TestSmtpServer,
  rows: BenchRow[],
  problems: string[],
): Promise<void> {
  const database = await benchDatabase(`tower_bench_gate_${platform}`);
  let app: INestApplication | null = null;
  try {
    app = await startApp(platform, database.url, smtp.port);
    const url = `${baseUrl(app.getHttpServer() as Server)}/gate/access`;
    rows.push(await endToEnd(platform, url, smtp));
    for (let i = 0; i < 50; i++) await post(url, `known-${i}@example.com`);
    await load(url, 'new', 1, `${platform}-warmup`);
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const mailsBefore = smtp.messages.length;
      const result = await load(url, scenario, SECONDS, `${platform}-${scenario}`);
      const mailsDuring = smtp.messages.length - mailsBefore;
      rows.push(row(platform, scenario, result, mailsDuring));
      const problem = check(platform, scenario, result);
      if (problem) problems.push(problem);
    }
    const queued: { n: string }[] = await app
      .get(DataSource)
      .query(`SELECT count(*) AS n FROM tower_auth.mail_outbox WHERE status = 'pending'`);
    log(`${platform}: ${queued[0].n} e-mails still queued at the end (the SMTP server is slow)`);
  } finally {
    await app?.close();
    await database.drop();
  }
}

async function startApp(
  platform: HttpPlatform,
  databaseUrl: string,
  smtpPort: number,
): Promise<INestApplication> {
  const config = benchConfig({
    DATABASE_URL: databaseUrl,
    TOWER_SMTP_HOST: '127.0.0.1',
    TOWER_SMTP_PORT: String(smtpPort),
    TOWER_CONTACT_EMAIL: 'bench@example.com',
    TOWER_AUTH_EMAIL_ALLOW_LIST: '*@example.com',
    TOWER_AUTH_RATE_LIMIT_EMAIL_MAX: '1000000000',
    TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '1000000000',
  });
  const app = await createApp(config, { platform, logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  return app;
}

async function post(url: string, email: string): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  await response.text();
  return response;
}

/** One request by hand: how long the answer took, and how much later the SMTP server had it. */
async function endToEnd(
  platform: HttpPlatform,
  url: string,
  smtp: TestSmtpServer,
): Promise<BenchRow> {
  const email = `first-${platform}@example.com`;
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const text = await response.text();
  const answered = performance.now() - started;
  if (response.status !== 200 || text !== '{"state":0}') {
    throw new Error(`${platform}: expected 200 {"state":0}, got ${response.status} ${text}`);
  }
  await smtp.waitForMailTo(email, 1, 30_000);
  const delivered = performance.now() - started;
  return {
    benchmark: `${platform}: one request, then its e-mail`,
    result: `${answered.toFixed(1)} ms`,
    detail: `answered after ${answered.toFixed(1)} ms; the SMTP server had accepted the e-mail after ${formatInt(delivered)} ms`,
  };
}

function load(
  url: string,
  scenario: Scenario,
  seconds: number,
  runId: string,
): Promise<LoadResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER, {
      workerData: { url, seconds, rate: RATE, scenario, runId },
    });
    worker.once('message', (result: LoadResult) => resolvePromise(result));
    worker.once('error', reject);
  });
}

function row(
  platform: HttpPlatform,
  scenario: Scenario,
  result: LoadResult,
  mailsDuring: number,
): BenchRow {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const p = (q: number): string => `${percentile(sorted, q).toFixed(1)} ms`;
  const mails =
    scenario === 'refused'
      ? 'no e-mail'
      : `${formatInt(mailsDuring)} e-mails accepted by SMTP meanwhile`;
  return {
    benchmark: `${platform}: POST /gate/access, ${SCENARIOS[scenario]}`,
    result: `p50 ${p(0.5)} / p99 ${p(0.99)}`,
    detail:
      `max ${p(1)}; ${formatInt(result.latencies.length)} answers at ${RATE} req/s, ` +
      `${describeStatuses(result)}; ${mails}`,
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function describeStatuses(result: LoadResult): string {
  const only200 = Object.keys(result.statuses).every((s) => s === '200');
  if (only200 && result.wrongBodies === 0) return 'all 200 {"state":0}';
  const codes = Object.entries(result.statuses)
    .map(([code, n]) => `${formatInt(n)}× ${code}`)
    .join(', ');
  const errors = result.errors.length > 0 ? ` (${[...new Set(result.errors)].join('; ')})` : '';
  return `${codes}, ${result.wrongBodies} wrong bodies${errors}`;
}

function check(platform: HttpPlatform, scenario: Scenario, result: LoadResult): string | null {
  const clean =
    result.latencies.length > 0 &&
    Object.keys(result.statuses).every((s) => s === '200') &&
    result.wrongBodies === 0;
  return clean ? null : `${platform} ${scenario}: ${describeStatuses(result)}`;
}

function section(table: string, problems: string[]): string {
  const date = new Date().toISOString().slice(0, 10);
  const cpus = os.cpus();
  const verdict =
    problems.length === 0
      ? 'Every answer was 200 `{"state":0}`.'
      : `**Problems in this run:** ${problems.join('; ')}`;
  return `${SECTION_START}
## POST /gate/access with a slow SMTP server

Generated by \`node --import ./scripts/register-ts.mjs bench/gate-access.ts --write\` on ${date}
(${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}; load average
${os.loadavg()[0].toFixed(1)} at the end: the machine was shared, so compare the rows of one run).

${table}

${verdict} The SMTP server takes ${formatInt(SMTP_DELAY_MS)} ms to accept each message, so an
answer that waited for SMTP could not come in under a second: the request only commits the token
and the sealed e-mail to the outbox, and the outbox worker sends it afterwards (a backlog builds
up during the runs and drains later). The three scenarios compare an address that creates a
user, a known address and an address the allow list refuses; the refused one does the same
database round trips without writing, which narrows the gap to a few milliseconds (a first-time
address, which also creates the user, is the slowest) and the per-address limit allows only a few
samples per window. Knobs: BENCH_GATE_SECONDS,
BENCH_GATE_RATE, BENCH_SMTP_DELAY_MS, BENCH_ADMIN_URL.
${SECTION_END}`;
}

function writeSection(text: string): void {
  const current = readFileSync(DOC, 'utf8');
  const start = current.indexOf(SECTION_START);
  const end = current.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${text}${current.slice(end + SECTION_END.length)}`
      : `${current.trimEnd()}\n\n${text}\n`;
  writeFileSync(DOC, next);
}

async function main(): Promise<void> {
  const report = await runGateAccessBenchmark();
  const table = markdownTable(report.rows);
  process.stdout.write(`\n${table}\n\n`);
  for (const problem of report.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
  if (process.argv.includes('--write')) {
    writeSection(section(table, report.problems));
    log(`updated ${DOC}`);
  }
  if (report.problems.length > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
