/**
 * What logs, metrics and request ids cost on the hot path: requests per second of a bare
 * `node:http` server, an empty Nest + Fastify app answering the same JSON, and the service's
 * `@Public()` and guarded routes, with logs and metrics on (JSON access lines to /dev/null
 * through pino's asynchronous destination, prom-client counting) and off. Each server runs in
 * a process of its own pinned to core 0; autocannon runs in another process pinned to core 1
 * (taskset; without it the processes are not pinned). Targets alternate round by round; the
 * figure kept is the median.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

/** Goals of the operations issue, on Fastify. */
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
  readonly samples: number[];
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
  return { id, label, server, path, bearer, samples: [], non2xx: 0, errors: 0 };
}

function pinned(core: string, args: string[]): { command: string; args: string[] } {
  return HAS_TASKSET
    ? { command: 'taskset', args: ['-c', core, process.execPath, ...args] }
    : { command: process.execPath, args };
}

async function startServer(
  kind: ServerKind,
  dbUrl: string,
): Promise<{ child: ChildProcess; port: number; bearer?: string }> {
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
  return { child, ...ready };
}

interface CannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
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
    const servers = new Map<ServerKind, { port: number; bearer?: string }>();
    // One at a time: the first service runs the migrations.
    for (const kind of ['bare', 'nest', 'service', 'service-quiet'] as const) {
      const started = await startServer(kind, database.url);
      children.push(started.child);
      servers.set(kind, started);
    }
    for (const t of TARGETS) {
      const server = servers.get(t.server)!;
      t.url = `http://127.0.0.1:${server.port}${t.path}`;
      // The public routes get the same header as the guarded one: same request bytes.
      t.headers = t.bearer ? [`authorization=Bearer ${server.bearer}`] : [];
      await fire(t, 1);
    }
    for (let round = 0; round < OPTIONS.rounds; round += 1) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]);
      for (const t of order) {
        const result = await fire(t, OPTIONS.seconds);
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
  const rate = (id: string): number => median(TARGETS.find((t) => t.id === id)!.samples);
  for (const t of TARGETS) {
    rows.push({
      benchmark: `overhead: ${t.label}`,
      result: `${formatInt(median(t.samples))} req/s`,
      detail: `rounds ${t.samples.map(formatInt).join(' / ')}; ${t.non2xx} non-2xx, ${t.errors} errors`,
    });
    if (t.non2xx > 0 || t.errors > 0)
      problems.push(`overhead ${t.label}: ${t.non2xx} non-2xx, ${t.errors} errors`);
    if (roundSpread(t.samples) > NOISE_LIMIT)
      warnings.push(`overhead ${t.label}: rounds differ by more than ${NOISE_LIMIT * 100}%`);
  }
  const ratio = (benchmark: string, value: number, goal: number | null): BenchRow => ({
    benchmark,
    result: formatRatio(value),
    detail:
      goal === null
        ? 'ratio of medians'
        : `ratio of medians; goal ≥ ${formatRatio(goal)}: ${value >= goal ? 'met' : 'NOT met'}`,
  });
  rows.push(ratio('overhead: empty Nest / bare node:http', rate('nest') / rate('bare'), null));
  rows.push(
    ratio(
      'overhead: public (logs + metrics) / empty Nest',
      rate('public') / rate('nest'),
      OVERHEAD_GOALS.publicOverNest,
    ),
  );
  rows.push(
    ratio(
      'overhead: guarded / public (logs + metrics)',
      rate('guarded') / rate('public'),
      OVERHEAD_GOALS.guardedOverPublic,
    ),
  );
  rows.push(
    ratio('overhead: public (off) / empty Nest', rate('public-quiet') / rate('nest'), null),
  );
  rows.push(ratio('overhead: public on / off', rate('public') / rate('public-quiet'), null));
  rows.push(ratio('overhead: guarded on / off', rate('guarded') / rate('guarded-quiet'), null));
  rows.push({
    benchmark: 'overhead settings',
    result: '',
    detail:
      `${OPTIONS.connections} connections, 1 s warm-up then ${OPTIONS.rounds} rounds × ${OPTIONS.seconds} s per target; ` +
      (HAS_TASKSET
        ? 'servers pinned to core 0, autocannon (own process) to core 1'
        : 'autocannon in its own process, not pinned (no taskset)'),
  });
  return { rows, problems, warnings };
}
