/**
 * Sustained refresh rate: `POST /oauth/access_token` with rotation (every request carries the
 * token the previous answer gave), against the raw Postgres statements one refresh needs done
 * the classic way (a transaction around a locking read and the write, then the audit row), run
 * through `pg` with the same pool size and concurrency, in the same run. The service sends
 * two statements instead of five (SessionRefresh: a read, then one UPDATE conditional on what
 * was read that also writes the audit row; no transaction held across the decision).
 * Goal: HTTP / raw ≥ 0.6.
 * The HTTP client runs in a worker thread so it does not share the server's event loop.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import { SessionService } from '../packages/tower-auth/src/sessions/session.service.js';
import { UserEntity } from '../packages/tower-auth/src/users/user.entity.js';
import {
  NOISE_LIMIT,
  quantile,
  runLoopClient,
  type ClientResult,
  baseUrl,
  benchConfig,
  benchDatabase,
  intFromEnv,
  roundSpread,
} from './support.js';
import { formatInt, formatRatio, median, type BenchReport, type BenchRow } from './table.js';

const OPTIONS = {
  rounds: intFromEnv('BENCH_ROUNDS', 3),
  seconds: intFromEnv('BENCH_SECONDS', 3),
  concurrency: intFromEnv('BENCH_REFRESH_CONCURRENCY', 16),
};
/** The app's pool size (src/database/data-source.ts); the raw baseline gets the same. */
const POOL_SIZE = 10;
export const REFRESH_GOAL = 0.6;

export async function runRefreshBenchmark(): Promise<BenchReport> {
  const database = await benchDatabase('tower_bench_refresh');
  let app: INestApplication | null = null;
  const pool = new pg.Pool({ connectionString: database.url, max: POOL_SIZE });
  try {
    app = await createApp(benchConfig({ DATABASE_URL: database.url }), { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = `${baseUrl(app.getHttpServer() as Server)}/oauth/access_token`;
    let tokens = await startSessions(app, OPTIONS.concurrency);
    const rawSessions = await seedRawSessions(pool, OPTIONS.concurrency);

    const http: number[] = [];
    const raw: number[] = [];
    const httpLatencies: number[] = [];
    const problems: string[] = [];
    // Warm-up of both, then alternate (HTTP first on even rounds, raw first on odd ones).
    tokens = (await httpRound(url, tokens, 1)).tokens;
    await rawRound(pool, rawSessions, 1);
    for (let round = 0; round < OPTIONS.rounds; round++) {
      const runHttp = async (): Promise<void> => {
        const result = await httpRound(url, tokens, OPTIONS.seconds);
        tokens = result.tokens;
        http.push(result.done / OPTIONS.seconds);
        httpLatencies.push(...result.latencies);
        for (const [status, count] of Object.entries(result.failures)) {
          problems.push(`refresh: ${count} answer(s) with status ${status}`);
        }
      };
      const runRaw = async (): Promise<void> => {
        raw.push((await rawRound(pool, rawSessions, OPTIONS.seconds)) / OPTIONS.seconds);
      };
      if (round % 2 === 0) {
        await runHttp();
        await runRaw();
      } else {
        await runRaw();
        await runHttp();
      }
    }
    const ratio = median(http) / median(raw);
    const p99 = quantile(httpLatencies, 0.99);
    const rows: BenchRow[] = [
      {
        benchmark: 'POST /oauth/access_token (rotation)',
        result: `${formatInt(median(http))} req/s`,
        detail: `rounds ${http.map(formatInt).join(' / ')}; ${OPTIONS.concurrency} sessions refreshing in a loop; p99 ${p99.toFixed(1)} ms`,
      },
      {
        benchmark: 'raw pg: the statements of one refresh',
        result: `${formatInt(median(raw))} /s`,
        detail: `rounds ${raw.map(formatInt).join(' / ')}; BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT, audit INSERT; pool ${POOL_SIZE}`,
      },
      {
        benchmark: 'refresh: HTTP / raw pg',
        result: formatRatio(ratio),
        detail: `ratio of medians; goal ≥ ${REFRESH_GOAL}: ${ratio >= REFRESH_GOAL ? 'met' : 'NOT met'}`,
      },
    ];
    const warnings = [http, raw]
      .filter((samples) => roundSpread(samples) > NOISE_LIMIT)
      .map(() => 'refresh: rounds differ by more than 20% (the machine was busy?)');
    return { rows, problems, warnings };
  } finally {
    await pool.end();
    await app?.close();
    await database.drop();
  }
}

async function startSessions(app: INestApplication, count: number): Promise<string[]> {
  const users = app.get(DataSource).getRepository(UserEntity);
  const sessions = app.get(SessionService);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await users.save({
      email: `refresh-${i}@bench.example`,
      userName: `refresh-${i}`,
      emailVerified: true,
    });
    const issued = await sessions.startSession(user, 'email', {
      userAgent: 'bench',
      ipAddress: null,
    });
    tokens.push(issued.refreshToken);
  }
  return tokens;
}

function httpRound(url: string, tokens: string[], seconds: number): Promise<ClientResult> {
  return runLoopClient({
    base: new URL(url).origin,
    scenario: 'refresh',
    seconds,
    concurrency: tokens.length,
    tokens,
  });
}

interface RawSession {
  id: string;
  token: Buffer;
}

async function seedRawSessions(pool: pg.Pool, count: number): Promise<RawSession[]> {
  const sessions: RawSession[] = [];
  for (let i = 0; i < count; i++) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO tower_auth.users (email, user_name, email_verified) VALUES ($1, $1, true) RETURNING id`,
      [`raw-${i}@bench.example`],
    );
    const session = { id: randomUUID(), token: randomBytes(32) };
    await pool.query(
      `INSERT INTO tower_auth.sessions (id, user_id, provider, refresh_hash, idle_expires_at, absolute_expires_at)
       VALUES ($1, $2, 'email', $3, now() + interval '6 hours', now() + interval '7 days')`,
      [session.id, rows[0].id, sha256(session.token)],
    );
    sessions.push(session);
  }
  return sessions;
}

const HMAC_KEY = randomBytes(32);

/** What SessionService.refresh sends to Postgres for one rotation, minus HTTP and Nest. */
async function rawRound(pool: pg.Pool, sessions: RawSession[], seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (performance.now() < deadline) {
        const hash = sha256(session.token);
        const next = createHmac('sha256', HMAC_KEY).update(session.token).digest();
        const client = await pool.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
          const { rows } = await client.query<{ id: string; user_id: string }>(
            `SELECT s.id, s.user_id, to_jsonb(u) AS "user" FROM tower_auth.sessions s JOIN tower_auth.users u ON u.id = s.user_id
              WHERE s.refresh_hash = $1 OR s.previous_hash = $1 LIMIT 1 FOR UPDATE OF s`,
            [hash],
          );
          await client.query(
            `UPDATE tower_auth.sessions SET refresh_hash = $2, previous_hash = $3, rotated_at = now(),
                    last_refresh_at = now(), idle_expires_at = now() + interval '6 hours',
                    generation = generation + 1 WHERE id = $1`,
            [rows[0].id, sha256(next), hash],
          );
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        await pool.query(
          `INSERT INTO tower_auth.audit_events (type, user_id, provider, ip_address, detail) VALUES ('refresh', $1, 'email', NULL, '{}')`,
          [null],
        );
        session.token = next;
        done += 1;
      }
    }),
  );
  return done;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
