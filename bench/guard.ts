/**
 * HTTP cost of the global SessionGuard: GET /demo/ping (Bearer token, guarded) against
 * GET /demo/public (@Public), the same handler on the same app, and against a bare Fastify
 * server answering the same JSON, on Fastify and Express. The same pair again with a personal
 * access token as the Bearer (verified from the instance's memory after its first use), and the
 * latency a new token's first request adds (its one database read). The app is the service with the
 * example host module the tests use (test/harness/demo.module.ts) added next to its own. All servers run in this process on loopback; autocannon
 * fires from a worker thread (BENCH_WORKERS=0 fires from this thread instead). Rounds
 * alternate the targets, so drift of the machine hits every target alike; the figure kept is
 * the median of the rounds.
 */
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import type { HttpPlatform, ServiceConfig } from '../src/config/service-settings.js';
import { AccessTokenService } from '../packages/tower-auth/src/access-tokens/access-token.service.js';
import { SessionService } from '../packages/tower-auth/src/sessions/session.service.js';
import { UserEntity } from '../packages/tower-auth/src/users/user.entity.js';
import { DEMO_HOST } from '../test/harness/demo.module.js';
import {
  ADMIN_URL,
  NOISE_LIMIT,
  baseUrl,
  benchConfig,
  benchDatabase,
  intFromEnv,
  roundSpread,
} from './support.js';
import { formatInt, formatRatio, median, type BenchReport, type BenchRow } from './table.js';

export interface GuardBenchOptions {
  /** Measured rounds per target. */
  readonly rounds: number;
  /** Seconds per measured run. */
  readonly seconds: number;
  /** Seconds of the single warm-up run per target. */
  readonly warmupSeconds: number;
  readonly connections: number;
  /** autocannon worker threads; 0 runs the load generator on the servers' thread. */
  readonly workers: number;
  /** Server database URL whose database can create and drop `database`. */
  readonly adminUrl: string;
  readonly database: string;
}

export const DEFAULT_GUARD_OPTIONS: GuardBenchOptions = {
  rounds: intFromEnv('BENCH_ROUNDS', 3),
  seconds: intFromEnv('BENCH_SECONDS', 3),
  warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 1),
  connections: intFromEnv('BENCH_CONNECTIONS', 20),
  workers: intFromEnv('BENCH_WORKERS', 1),
  adminUrl: ADMIN_URL,
  database: process.env.BENCH_DATABASE ?? 'tower_bench',
};

/** Goals, on Fastify (docs/benchmarks.md, "What is measured"). */
export const GOALS = {
  guardedOverPublic: 0.85,
  guardedOverBare: 0.5,
  tokenOverPublic: 0.85,
  /** ms a new personal access token's first request may add to a known token's. */
  firstTokenRequestMs: 2,
} as const;

/** New tokens whose first request is timed. */
const FIRST_USE_SAMPLES = 41;

type TargetKind = 'guarded' | 'public' | 'bare' | 'token' | 'public-token';

interface Target {
  readonly platform: HttpPlatform;
  readonly kind: TargetKind;
  readonly label: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Exact body every response must carry (checked by autocannon as `mismatches`). */
  readonly expectBody: string;
  readonly samples: number[];
  /** Totals over the measured runs. */
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  readonly statusCodes: Map<string, number>;
}

interface Running {
  readonly close: () => Promise<void>;
}

export async function runGuardBenchmark(
  options: GuardBenchOptions = DEFAULT_GUARD_OPTIONS,
): Promise<BenchReport> {
  const database = await benchDatabase(options.database, options.adminUrl);
  const running: Running[] = [];
  try {
    const config = benchConfig({ DATABASE_URL: database.url });
    const targets: Target[] = [];
    let firstUse: (() => Promise<FirstUse>) | null = null;
    // Sequential boots: the first one runs the migrations, the second finds them done.
    for (const platform of ['fastify', 'express'] as const) {
      const app = await startApp(config, platform);
      running.push({ close: () => app.app.close() });
      targets.push(app.guarded, app.public, app.token, app.publicToken);
      if (platform === 'fastify') firstUse = app.firstUse;
      if (platform === 'fastify') {
        const bare = await startBareFastify(app.guarded.expectBody);
        running.push({ close: () => bare.server.close() });
        targets.push(bare.target);
      }
    }
    for (const target of targets) await preflight(target);

    for (const target of targets) await fire(target, options, options.warmupSeconds);
    for (let round = 0; round < options.rounds; round += 1) {
      // Rotate the order every round so no target always runs first (or right after another).
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        const result = await fire(target, options, options.seconds);
        record(target, result);
      }
    }
    const latency = firstUse ? await firstUse() : null;
    return report(targets, options, latency);
  } finally {
    for (const server of running.reverse()) await server.close().catch(() => undefined);
    await database.drop();
  }
}

interface FirstUse {
  /** ms of each new token's first request, and of its second. */
  readonly first: number[];
  readonly second: number[];
}

async function startApp(
  config: ServiceConfig,
  platform: HttpPlatform,
): Promise<{
  app: INestApplication;
  guarded: Target;
  public: Target;
  token: Target;
  publicToken: Target;
  firstUse: () => Promise<FirstUse>;
}> {
  const app = await createApp(config, { platform, logger: false, ...DEMO_HOST });
  await app.listen(0, '127.0.0.1');
  const base = baseUrl(app.getHttpServer() as Server);
  const dataSource = app.get(DataSource);
  const suffix = `${platform}-${process.pid}`;
  const user = await dataSource
    .getRepository(UserEntity)
    .save({ email: `bench-${suffix}@example.com`, userName: `bench-${suffix}` });
  const session = await app
    .get(SessionService)
    .startSession(user, 'email', { userAgent: 'tower-bench', ipAddress: null });
  const tokens = app.get(AccessTokenService);
  const newKey = async (name: string): Promise<string> =>
    (await tokens.create(user.id, { name, expiresAt: null }, { userAgent: null, ipAddress: null }))
      .accessKey;
  const key = await newKey('bench');
  return {
    app,
    token: newTarget({
      platform,
      kind: 'token',
      label: 'GET /demo/ping (guarded, personal access token)',
      url: `${base}/demo/ping`,
      headers: { authorization: `Bearer ${key}` },
      expectBody: JSON.stringify({ hello: 'world' }),
    }),
    publicToken: newTarget({
      platform,
      kind: 'public-token',
      label: 'GET /demo/public (@Public, same token header)',
      url: `${base}/demo/public`,
      headers: { authorization: `Bearer ${key}` },
      expectBody: JSON.stringify({ hello: 'world' }),
    }),
    firstUse: async () => {
      const first: number[] = [];
      const second: number[] = [];
      for (let i = 0; i < FIRST_USE_SAMPLES; i++) {
        const key = await newKey(`first-use-${i}`);
        const headers = { authorization: `Bearer ${key}` };
        // As in use: a token is created, then used; its creation's audit row is written by then.
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (const into of [first, second]) {
          const start = performance.now();
          const response = await fetch(`${base}/demo/ping`, { headers });
          await response.text();
          into.push(performance.now() - start);
          if (response.status !== 200) throw new Error(`first use answered ${response.status}`);
        }
      }
      return { first, second };
    },
    guarded: newTarget({
      platform,
      kind: 'guarded',
      label: 'GET /demo/ping (guarded, Bearer)',
      url: `${base}/demo/ping`,
      headers: { authorization: `Bearer ${session.accessToken}` },
      // The same handler as /demo/public: the ratio is the guard's cost and nothing else.
      expectBody: JSON.stringify({ hello: 'world' }),
    }),
    public: newTarget({
      platform,
      kind: 'public',
      label: 'GET /demo/public (@Public, same Bearer header)',
      url: `${base}/demo/public`,
      // The same request bytes as the guarded target (a public route ignores the header), so the
      // ratio isolates what the guard does rather than the cost of a 300-byte header.
      headers: { authorization: `Bearer ${session.accessToken}` },
      expectBody: JSON.stringify({ hello: 'world' }),
    }),
  };
}

/** Plain Fastify, no Nest: the ceiling the guarded route is measured against. */
async function startBareFastify(
  body: string,
): Promise<{ server: FastifyInstance; target: Target }> {
  const payload: unknown = JSON.parse(body);
  const server = Fastify({ logger: false });
  server.get('/demo/ping', () => payload);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    server,
    target: newTarget({
      platform: 'fastify',
      kind: 'bare',
      label: 'bare Fastify, same JSON',
      url: `${baseUrl(server.server)}/demo/ping`,
      headers: {},
      expectBody: body,
    }),
  };
}

/** One request by hand first: a broken setup fails loudly instead of benchmarking 401s. */
async function preflight(target: Target): Promise<void> {
  const response = await fetch(target.url, { headers: target.headers });
  const text = await response.text();
  if (response.status !== 200 || text !== target.expectBody) {
    throw new Error(
      `${target.platform} ${target.label}: expected 200 ${target.expectBody}, got ${response.status} ${text}`,
    );
  }
}

async function fire(
  target: Target,
  options: GuardBenchOptions,
  seconds: number,
): Promise<autocannon.Result> {
  return await autocannon({
    url: target.url,
    headers: target.headers,
    expectBody: target.expectBody,
    connections: options.connections,
    duration: seconds,
    timeout: 5,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
  });
}

function record(target: Target, result: autocannon.Result): void {
  target.samples.push(result.requests.total / result.duration);
  target.responses += result.requests.total;
  target.non2xx += result.non2xx;
  target.errors += result.errors;
  target.timeouts += result.timeouts;
  target.mismatches += result.mismatches;
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    target.statusCodes.set(code, (target.statusCodes.get(code) ?? 0) + Number(count));
  }
}

function report(
  targets: Target[],
  options: GuardBenchOptions,
  firstUse: FirstUse | null,
): BenchReport {
  const rows: BenchRow[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const platform of ['fastify', 'express'] as const) {
    const byKind = (kind: TargetKind): Target | undefined =>
      targets.find((t) => t.platform === platform && t.kind === kind);
    for (const target of targets.filter((t) => t.platform === platform)) {
      rows.push({
        benchmark: `${platform}: ${target.label}`,
        result: `${formatInt(median(target.samples))} req/s`,
        detail: `rounds ${target.samples.map(formatInt).join(' / ')}; ${describeResponses(target)}`,
      });
      const problem = checkResponses(target);
      if (problem) problems.push(problem);
      const spread = roundSpread(target.samples);
      if (spread > NOISE_LIMIT) {
        warnings.push(
          `${platform} ${target.label}: rounds differ by ${Math.round(spread * 100)}% ` +
            '(the machine was busy?); treat the ratios of this run with caution',
        );
      }
    }
    const guarded = median(byKind('guarded')?.samples ?? []);
    const pub = median(byKind('public')?.samples ?? []);
    const goalPublic = platform === 'fastify' ? GOALS.guardedOverPublic : null;
    rows.push(ratioRow(`${platform}: guarded / public`, guarded / pub, goalPublic));
    const token = median(byKind('token')?.samples ?? []);
    const pubToken = median(byKind('public-token')?.samples ?? []);
    rows.push(
      ratioRow(
        `${platform}: token / public`,
        token / pubToken,
        platform === 'fastify' ? GOALS.tokenOverPublic : null,
      ),
    );
    const bare = byKind('bare');
    if (bare)
      rows.push(
        ratioRow(
          `${platform}: guarded / bare Fastify`,
          guarded / median(bare.samples),
          GOALS.guardedOverBare,
        ),
      );
  }
  if (firstUse) {
    const added = median(firstUse.first) - median(firstUse.second);
    const goal = GOALS.firstTokenRequestMs;
    rows.push({
      benchmark: 'fastify: first request of a new personal access token',
      result: `+${added.toFixed(2)} ms`,
      detail:
        `median of ${firstUse.first.length} new tokens: first request ${median(firstUse.first).toFixed(2)} ms, ` +
        `second ${median(firstUse.second).toFixed(2)} ms (one client, sequential); ` +
        `goal ≤ ${goal} ms added: ${added <= goal ? 'met' : 'NOT met'}`,
    });
  }
  rows.push({
    benchmark: 'HTTP settings',
    result: '',
    detail:
      `${options.connections} connections, ${options.warmupSeconds} s warm-up then ${options.rounds} rounds × ` +
      `${options.seconds} s per target, targets alternated; load from ` +
      (options.workers > 0
        ? `${options.workers} autocannon worker thread(s)`
        : 'the servers\u2019 own thread'),
  });
  return { rows, problems, warnings };
}

/** (max - min) / max of the rounds. */

function ratioRow(benchmark: string, ratio: number, goal: number | null): BenchRow {
  const verdict =
    goal === null
      ? 'no goal set'
      : `goal ≥ ${formatRatio(goal)}: ${ratio >= goal ? 'met' : 'NOT met'}`;
  return { benchmark, result: formatRatio(ratio), detail: `ratio of medians; ${verdict}` };
}

function describeResponses(target: Target): string {
  const codes = [...target.statusCodes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${formatInt(count)}× ${code}`)
    .join(', ');
  const clean = checkResponses(target) === null;
  return clean
    ? `${formatInt(target.responses)} responses, all 200 with the expected body`
    : `${formatInt(target.responses)} responses (${codes}), ${target.mismatches} wrong bodies, ` +
        `${target.errors} errors, ${target.timeouts} timeouts`;
}

function checkResponses(target: Target): string | null {
  const only200 = [...target.statusCodes.keys()].every((code) => code === '200');
  const clean =
    target.responses > 0 &&
    only200 &&
    target.non2xx === 0 &&
    target.errors === 0 &&
    target.timeouts === 0 &&
    target.mismatches === 0;
  if (clean) return null;
  const codes = Object.fromEntries(target.statusCodes);
  return (
    `${target.platform} ${target.label}: ${target.responses} responses, status codes ${JSON.stringify(codes)}, ` +
    `${target.non2xx} non-2xx, ${target.mismatches} wrong bodies, ${target.errors} errors, ${target.timeouts} timeouts`
  );
}

function newTarget(
  fields: Pick<Target, 'platform' | 'kind' | 'label' | 'url' | 'headers' | 'expectBody'>,
): Target {
  return {
    ...fields,
    samples: [],
    responses: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    mismatches: 0,
    statusCodes: new Map(),
  };
}
