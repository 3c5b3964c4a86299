/**
 * Boot and memory: time from spawning `node dist/main.js` to the first `/health` 200, on an
 * external Postgres and on the embedded one (first boot creates the cluster; the second reuses
 * it), and the resident memory of the service after BENCH_RSS_SECONDS (default 60) of load on
 * the guarded `/user-info` (one user read), `/service-info` and `/health`. Needs `npm run build` first (npm run bench does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { systemClock } from '../packages/tower-auth/src/common/clock.js';
import { KeyRing } from '../packages/tower-auth/src/tokens/key-ring.js';
import { TokenService } from '../packages/tower-auth/src/tokens/token.service.js';
import { freePort } from '../src/database/embedded-postgres.js';
import { BENCH_SECRET, benchConfig, benchDatabase, intFromEnv } from './support.js';
import { formatInt, type BenchReport, type BenchRow } from './table.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const RSS_SECONDS = intFromEnv('BENCH_RSS_SECONDS', 60);

interface Service {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

function spawnService(env: Record<string, string>, port: number): Service {
  const child = spawn(process.execPath, [MAIN], {
    cwd: mkdtempSync(path.join(os.tmpdir(), 'tower-bench-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, port, exited, output: () => output };
}

/** Milliseconds from spawn to the first /health 200, polling every 10 ms. */
async function bootTime(env: Record<string, string>): Promise<{ ms: number; service: Service }> {
  const port = await freePort();
  const started = performance.now();
  const service = spawnService(env, port);
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`service exited:\n${service.output()}`);
    if (performance.now() - started > 120_000) throw new Error(`no /health:\n${service.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return { ms: performance.now() - started, service };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stop(service: Service): Promise<void> {
  service.child.kill('SIGTERM');
  await service.exited;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export async function runBootBenchmark(): Promise<BenchReport> {
  if (!existsSync(MAIN)) {
    return { rows: [], problems: ['boot: dist/main.js is missing (run npm run build)'] };
  }
  const rows: BenchRow[] = [];
  const problems: string[] = [];
  const database = await benchDatabase('tower_bench_boot');
  try {
    const env = { DATABASE_URL: database.url, TOWER_JWT_SECRET: BENCH_SECRET };
    const first = await bootTime(env);
    await stop(first.service);
    const warm = await bootTime(env);
    rows.push({
      benchmark: 'boot to /health 200, external Postgres',
      result: `${formatInt(warm.ms)} ms`,
      detail: `first boot (runs the migrations) ${formatInt(first.ms)} ms; then migrations found done`,
    });

    const token = await signedToken(database.url, warm.service.port);
    const before = rssMiB(warm.service.child.pid!);
    const load = await autocannon({
      url: `http://127.0.0.1:${warm.service.port}`,
      connections: 10,
      duration: RSS_SECONDS,
      requests: [
        { method: 'GET', path: '/user-info', headers: { authorization: `Bearer ${token}` } },
        { method: 'GET', path: '/service-info' },
        { method: 'GET', path: '/health' },
      ],
    });
    const after = rssMiB(warm.service.child.pid!);
    if (load.errors > 0 || load.non2xx > 0) {
      problems.push(`boot: ${load.errors} errors and ${load.non2xx} non-2xx answers under load`);
    }
    rows.push({
      benchmark: `RSS after ${RSS_SECONDS} s of load`,
      result: `${after.toFixed(0)} MiB`,
      detail: `${before.toFixed(0)} MiB before; ${formatInt(load.requests.total)} requests (user-info, service-info, health), 10 connections`,
    });
    await stop(warm.service);
  } finally {
    await database.drop();
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tower-bench-embedded-'));
  try {
    const env = { TOWER_DATA_DIR: dataDir };
    const first = await bootTime(env);
    await stop(first.service);
    const second = await bootTime(env);
    await stop(second.service);
    rows.push({
      benchmark: 'boot to /health 200, embedded Postgres',
      result: `${formatInt(second.ms)} ms`,
      detail: `first boot (initdb + migrations) ${formatInt(first.ms)} ms; then the cluster is reused`,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows, problems };
}

/** An access token for a user made directly in the service's database, as a login would. */
async function signedToken(url: string, port: number): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let userId: string;
  try {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO tower_auth.users (email, user_name, email_verified)
       VALUES ('rss@bench.example', 'rss', true) RETURNING id`,
    );
    userId = rows[0].id;
  } finally {
    await client.end();
  }
  const config = benchConfig({ DATABASE_URL: url });
  const tokens = new TokenService(config, systemClock, new KeyRing(config));
  const token = tokens.sign({ userId, sessionId: randomUUID(), roles: ['user'] });
  const res = await fetch(`http://127.0.0.1:${port}/user-info`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`/user-info answered ${res.status}`);
  return token;
}
