/**
 * Sustained rates of two flows on Fastify, closed loop from a worker thread:
 * - magic-link requests: POST /gate/access with a new address each time (user created, token
 *   and sealed e-mail committed; the outbox worker "sends" to the development log);
 * - ephemeral endpoints: POST /ephemeral (Bearer) then the single-use GET of the returned URL.
 */
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import { SessionService } from '../packages/tower-auth/src/sessions/session.service.js';
import { UserEntity } from '../packages/tower-auth/src/users/user.entity.js';
import {
  NOISE_LIMIT,
  baseUrl,
  benchConfig,
  benchDatabase,
  intFromEnv,
  quantile,
  roundSpread,
  runLoopClient,
  type LoopClientOptions,
} from './support.js';
import { formatInt, median, type BenchReport, type BenchRow } from './table.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const SECONDS = intFromEnv('BENCH_SECONDS', 3);
const CONCURRENCY = intFromEnv('BENCH_FLOW_CONCURRENCY', 16);

export async function runFlowsBenchmark(): Promise<BenchReport> {
  const database = await benchDatabase('tower_bench_flows');
  let app: INestApplication | null = null;
  try {
    app = await createApp(
      benchConfig({
        DATABASE_URL: database.url,
        // Development mode (localhost, no SMTP host): links go to the (silenced) log.
        TOWER_AUTH_RATE_LIMIT_EMAIL_MAX: '1000000',
        TOWER_AUTH_RATE_LIMIT_CLIENT_MAX: '1000000',
      }),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    const base = baseUrl(app.getHttpServer() as Server);
    const user = await app
      .get(DataSource)
      .getRepository(UserEntity)
      .save({ email: 'flows@bench.example', userName: 'flows', emailVerified: true });
    const { accessToken } = await app
      .get(SessionService)
      .startSession(user, 'email', { userAgent: 'bench', ipAddress: null });

    const scenarios = {
      gate: { label: 'POST /gate/access (new address each time)', unit: 'req/s' },
      ephemeral: { label: 'ephemeral create + single-use GET', unit: 'pairs/s' },
    } as const;
    const rates: Record<keyof typeof scenarios, number[]> = { gate: [], ephemeral: [] };
    const latencies: Record<keyof typeof scenarios, number[]> = { gate: [], ephemeral: [] };
    const problems: string[] = [];
    const run = async (
      scenario: keyof typeof scenarios,
      seconds: number,
      round: number,
    ): Promise<void> => {
      const options: LoopClientOptions = {
        base,
        scenario,
        seconds,
        concurrency: CONCURRENCY,
        bearer: accessToken,
        run: `r${round}`,
      };
      const result = await runLoopClient(options);
      if (round < 0) return;
      rates[scenario].push(result.done / seconds);
      latencies[scenario].push(...result.latencies);
      for (const [status, count] of Object.entries(result.failures)) {
        problems.push(`${scenarios[scenario].label}: ${count} failure(s): ${status}`);
      }
    };
    await run('gate', 1, -1);
    await run('ephemeral', 1, -2);
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? (['gate', 'ephemeral'] as const) : (['ephemeral', 'gate'] as const);
      for (const scenario of order) await run(scenario, SECONDS, round);
    }
    const rows: BenchRow[] = (Object.keys(scenarios) as (keyof typeof scenarios)[]).map((key) => ({
      benchmark: scenarios[key].label,
      result: `${formatInt(median(rates[key]))} ${scenarios[key].unit}`,
      detail: `rounds ${rates[key].map(formatInt).join(' / ')}; ${CONCURRENCY} loops; p50 ${quantile(latencies[key], 0.5).toFixed(1)} ms, p99 ${quantile(latencies[key], 0.99).toFixed(1)} ms`,
    }));
    const warnings = (Object.keys(rates) as (keyof typeof scenarios)[])
      .filter((key) => roundSpread(rates[key]) > NOISE_LIMIT)
      .map(
        (key) => `${scenarios[key].label}: rounds differ by more than 20% (the machine was busy?)`,
      );
    return { rows, problems, warnings };
  } finally {
    await app?.close();
    await database.drop();
  }
}
