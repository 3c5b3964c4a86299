/**
 * What logs, metrics and request ids cost on the hot path: requests per second of a bare
 * `node:http` server, an empty Nest + Fastify app answering the same JSON, and the service's
 * `@Public()` and guarded routes, with logs and metrics on (JSON access lines to /dev/null
 * through pino's asynchronous destination, prom-client counting) and off. Each server runs in
 * a process of its own pinned to core 0; autocannon runs in another process pinned to core 1
 * (taskset; without it the processes are not pinned). Targets alternate round by round; the
 * figure kept is the median. Besides requests per second, the server's own CPU time per request
 * (all its threads, from /proc) is kept: other jobs on the machine move it less than throughput,
 * though on a machine loaded far beyond its cores it inflates too (bench/overhead-inject.ts is
 * then the better guide).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADMIN_URL, benchDatabase, intFromEnv, NOISE_LIMIT, roundSpread } from './support.js';
import { formatInt, formatRatio, median, type BenchReport, type BenchRow } from './table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const CORES = { server: '0', load: '1' };

/** Goals, on Fastify (docs/benchmarks.md, "What is measured"). */
export const OVERHEAD_GOALS = { publicOverNest: 0.9, guardedOverPublic: 0.99 } as const;

const OPTIONS = {
  rounds: intFromEnv('BENCH_ROUNDS', 3),
  seconds: intFromEnv('BENCH_SECONDS', 3),
  connections: intFromEnv('BENCH_CONNECTIONS', 20),
};

type ServerKind = 'bare' | 'nest' | 'service' | 'service-quiet';

interface Target {
  readonly id: string;
  readonly label: string;
  readonly server: ServerKind;
  readonly path: string;
  readonly bearer: boolean;
  url?: string;
  headers?: string[];
  pid?: number;
  readonly samples: number[];
  /** Server CPU time per request, µs (empty where /proc is not available). */
  readonly cpu: number[];
  non2xx: number;
  errors: number;
}

const TARGETS: Target[] = [
  target('bare', 'bare node:http, same JSON', 'bare', '/demo/public', false),
  target('nest', 'empty Nest + Fastify app', 'nest', '/demo/public', false),
  target('public', 'service @Public(), logs + metrics on', 'service', '/demo/public', true),
  target('guarded', 'service guarded, logs + metrics on', 'service', '/demo/ping', true),
  target(
    'public-quiet',
    'service @Public(), logs + metrics off',
    'service-quiet',
    '/demo/public',
    true,
  ),
  target(
    'guarded-quiet',
    'service guarded, logs + metrics off',
    'service-quiet',
    '/demo/ping',
    true,
  ),
];

function target(
  id: string,
  label: string,
  server: ServerKind,
  path: string,
  bearer: boolean,
): Target {
  return { id, label, server, path, bearer, samples: [], cpu: [], non2xx: 0, errors: 0 };
}

function pinned(core: string, args: string[]): { command: string; args: string[] } {
  return HAS_TASKSET
    ? { command: 'taskset', args: ['-c', core, process.execPath, ...args] }
    : { command: process.execPath, args };
}

async function startServer(
  kind: ServerKind,
  dbUrl: string,
): Promise<{ child: ChildProcess; port: number; bearer?: string; pid?: number }> {
  const run = pinned(CORES.server, [
    '--import',
    './scripts/register-ts.mjs',
    'bench/overhead-server.ts',
    kind,
  ]);
  const child = spawn(run.command, run.args, {
    cwd: ROOT,
    env: { ...process.env, BENCH_DB_URL: dbUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
  const ready = JSON.parse(first) as { port: number; bearer?: string };
  // taskset runs node in its own process: the server's pid is the child's.
  return { child, pid: child.pid, ...ready };
}

interface CannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
}

/** CPU time the process has used so far, in ns, all threads (null without /proc). */
function cpuNs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return total;
  } catch {
    return null;
  }
}

async function measure(t: Target, seconds: number): Promise<CannonResult> {
  const before = cpuNs(t.pid);
  const result = await fire(t, seconds);
  const after = cpuNs(t.pid);
  if (before !== null && after !== null && result.requests.total > 0)
    t.cpu.push((after - before) / 1000 / result.requests.total);
  return result;
}

function fire(t: Target, seconds: number): Promise<CannonResult> {
  const headerArgs = (t.headers ?? []).flatMap((h) => ['-H', h]);
  const run = pinned(CORES.load, [
    AUTOCANNON,
    '-c',
    String(OPTIONS.connections),
    '-d',
    String(seconds),
    '-j',
    ...headerArgs,
    t.url ?? '',
  ]);
  return new Promise((resolveResult, reject) => {
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      try {
        resolveResult(JSON.parse(out) as CannonResult);
      } catch {
        reject(new Error(`autocannon exited ${code} without a result`));
      }
    });
  });
}

export async function runOverheadBenchmark(): Promise<BenchReport> {
  const database = await benchDatabase(
    process.env.BENCH_DATABASE ?? 'tower_bench_overhead',
    ADMIN_URL,
  );
  const children: ChildProcess[] = [];
  try {
    const servers = new Map<ServerKind, { port: number; bearer?: string; pid?: number }>();
    // One at a time: the first service runs the migrations.
    for (const kind of ['bare', 'nest', 'service', 'service-quiet'] as const) {
      const started = await startServer(kind, database.url);
      children.push(started.child);
      servers.set(kind, started);
    }
    for (const t of TARGETS) {
      const server = servers.get(t.server)!;
      t.url = `http://127.0.0.1:${server.port}${t.path}`;
      t.pid = server.pid;
      // The public routes get the same header as the guarded one: same request bytes.
      t.headers = t.bearer ? [`authorization=Bearer ${server.bearer}`] : [];
      await fire(t, 1);
    }
    for (let round = 0; round < OPTIONS.rounds; round += 1) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]);
      for (const t of order) {
        const result = await measure(t, OPTIONS.seconds);
        t.samples.push(result.requests.total / result.duration);
        t.non2xx += result.non2xx;
        t.errors += result.errors;
      }
    }
    return report();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await database.drop();
  }
}

function report(): BenchReport {
  const rows: BenchRow[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const t of TARGETS) {
    const cpu = t.cpu.length > 0 ? `; ${median(t.cpu).toFixed(1)} µs CPU per request` : '';
    rows.push({
      benchmark: `overhead: ${t.label}`,
      result: `${formatInt(median(t.samples))} req/s`,
      detail: `rounds ${t.samples.map(formatInt).join(' / ')}${cpu}; ${t.non2xx} non-2xx, ${t.errors} errors`,
    });
    if (t.non2xx > 0 || t.errors > 0)
      problems.push(`overhead ${t.label}: ${t.non2xx} non-2xx, ${t.errors} errors`);
    if (roundSpread(t.samples) > NOISE_LIMIT)
      warnings.push(`overhead ${t.label}: rounds differ by more than ${NOISE_LIMIT * 100}%`);
  }
  rows.push(ratio('empty Nest / bare node:http', 'nest', 'bare', null));
  rows.push(
    ratio('public (logs + metrics) / empty Nest', 'public', 'nest', OVERHEAD_GOALS.publicOverNest),
  );
  rows.push(
    ratio(
      'guarded / public (logs + metrics)',
      'guarded',
      'public',
      OVERHEAD_GOALS.guardedOverPublic,
    ),
  );
  rows.push(ratio('public (off) / empty Nest', 'public-quiet', 'nest', null));
  rows.push(ratio('public on / off', 'public', 'public-quiet', null));
  rows.push(ratio('guarded on / off', 'guarded', 'guarded-quiet', null));
  rows.push(settingsRow());
  return { rows, problems, warnings };
}

/**
 * `a` over `b` in requests per second (ratio of medians), and the same from CPU time per
 * request (b's over a's: the rate one busy core would reach), which noise moves less.
 */
function ratio(name: string, a: string, b: string, goal: number | null): BenchRow {
  const of = (id: string): Target => TARGETS.find((t) => t.id === id)!;
  const value = median(of(a).samples) / median(of(b).samples);
  const cpu = of(a).cpu.length > 0 ? median(of(b).cpu) / median(of(a).cpu) : null;
  const fromCpu = cpu === null ? '' : `; from CPU time per request ${formatRatio(cpu)}`;
  const met = (x: number): string => (x >= goal! ? 'met' : 'NOT met');
  return {
    benchmark: `overhead: ${name}`,
    result: formatRatio(value),
    detail:
      goal === null
        ? `ratio of medians${fromCpu}`
        : `ratio of medians; goal ≥ ${formatRatio(goal)}: ${met(value)}${fromCpu}${cpu === null ? '' : `: ${met(cpu)}`}`,
  };
}

function settingsRow(): BenchRow {
  return {
    benchmark: 'overhead settings',
    result: '',
    detail:
      `${OPTIONS.connections} connections, 1 s warm-up then ${OPTIONS.rounds} rounds × ${OPTIONS.seconds} s per target; ` +
      (HAS_TASKSET
        ? 'servers pinned to core 0, autocannon (own process) to core 1'
        : 'autocannon in its own process, not pinned (no taskset)'),
  };
}
