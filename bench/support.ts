/** What every benchmark module shares: a throw-away database, the config, env knobs. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { serviceConfigOf } from '../src/config/process-config.js';
import type { ServiceConfig } from '../src/config/service-settings.js';
import { adminQuery, withDatabase } from '../src/database/admin.js';

export const BENCH_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789abcdef';
export const ADMIN_URL =
  process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database (the app's boot migrates it). */
export async function benchDatabase(name: string, adminUrl = ADMIN_URL): Promise<BenchDatabase> {
  const ident = quoteIdent(name);
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
  await adminQuery(adminUrl, `CREATE DATABASE ${ident}`);
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    },
  };
}

/** The service's configuration as these environment variables would give it. */
export function benchConfig(env: Record<string, string>): ServiceConfig {
  return serviceConfigOf({ TOWER_JWT_SECRET: BENCH_SECRET, ...env }, os.tmpdir());
}

export function baseUrl(server: Server): string {
  const address = server.address() as AddressInfo | null;
  if (!address || typeof address !== 'object') throw new Error('server is not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  return `"${name}"`;
}

export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer`);
  return value;
}

/** Rounds of one target further apart than this make the run suspect. */
export const NOISE_LIMIT = 0.2;

export function roundSpread(samples: readonly number[]): number {
  if (samples.length < 2) return 0;
  return (Math.max(...samples) - Math.min(...samples)) / Math.max(...samples);
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface ClientResult {
  done: number;
  failures: Record<string, number>;
  tokens: string[];
  latencies: number[];
}

export interface LoopClientOptions {
  base: string;
  scenario: 'refresh' | 'ephemeral' | 'gate';
  seconds: number;
  concurrency: number;
  tokens?: string[];
  bearer?: string;
  run?: string;
}

/** Runs bench/loop-client.worker.mjs: closed-loop load from its own thread. */
export function runLoopClient(options: LoopClientOptions): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./loop-client.worker.mjs', import.meta.url), {
      workerData: options,
    });
    worker.once('message', (result: ClientResult) => resolve(result));
    worker.once('error', reject);
  });
}

/** The value at quantile q (0..1) of unsorted samples. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}
