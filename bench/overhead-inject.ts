/**
 * `node --import ./scripts/register-ts.mjs bench/overhead-inject.ts`: the overhead benchmark's
 * ratios for a machine too busy for bench/overhead.ts. The empty Nest app and the service
 * (logs and metrics on, and off) answer the same GET in one process through Fastify's
 * `inject()`: no sockets, no load generator to starve, and the process's CPU time per request
 * rather than the clock. Targets take turns in short slices; the figure kept per target is its
 * cheapest slice, the one least disturbed by other work. Ratios come out lower than over HTTP,
 * which adds the same socket work to every target.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ADMIN_URL, benchDatabase, intFromEnv } from './support.js';
import { bearerFor, createServiceApp, EmptyModule } from './overhead-apps.js';
import { formatRatio, markdownTable, type BenchRow } from './table.js';

const SLICES = intFromEnv('BENCH_SLICES', 30);
const PER_SLICE = intFromEnv('BENCH_SLICE_REQUESTS', 2000);
const IN_FLIGHT = 20;

interface Target {
  readonly id: string;
  readonly app: NestFastifyApplication;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly slices: number[];
}

async function service(url: string, on: boolean): Promise<NestFastifyApplication> {
  const app = await createServiceApp(url, on);
  await app.init();
  return app as NestFastifyApplication;
}

/**
 * CPU microseconds per request over one slice, IN_FLIGHT requests at a time: the process's own
 * CPU time, which other processes taking turns on the core do not lengthen as they do the
 * wall-clock time.
 */
async function slice(t: Target): Promise<number> {
  const fastify = t.app.getHttpAdapter().getInstance();
  let left = PER_SLICE;
  const start = process.cpuUsage();
  const loop = async (): Promise<void> => {
    while (left > 0) {
      left -= 1;
      const res = await fastify.inject({ method: 'GET', url: t.path, headers: t.headers });
      if (res.statusCode !== 200) throw new Error(`${t.id}: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / PER_SLICE;
}

async function main(): Promise<void> {
  const database = await benchDatabase('tower_bench_overhead_inject', ADMIN_URL);
  const apps: INestApplication[] = [];
  try {
    const nest = await NestFactory.create<NestFastifyApplication>(
      EmptyModule,
      new FastifyAdapter(),
      {
        logger: false,
      },
    );
    await nest.init();
    const on = await service(database.url, true);
    const off = await service(database.url, false);
    apps.push(nest, on, off);
    const headers = { authorization: `Bearer ${await bearerFor(on, 'inject')}` };
    const targets: Target[] = [
      { id: 'nest', app: nest, path: '/demo/public', headers: {}, slices: [] },
      { id: 'public', app: on, path: '/demo/public', headers, slices: [] },
      { id: 'guarded', app: on, path: '/demo/ping', headers, slices: [] },
      { id: 'public-off', app: off, path: '/demo/public', headers, slices: [] },
    ];
    for (const t of targets) await slice(t);
    for (let i = 0; i < SLICES; i += 1) {
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) t.slices.push(await slice(t));
    }
    process.stdout.write(`${markdownTable(rows(targets))}\n`);
  } finally {
    for (const app of apps) await app.close();
    await database.drop();
  }
}

function rows(targets: Target[]): BenchRow[] {
  const best = (id: string): number => Math.min(...targets.find((t) => t.id === id)!.slices);
  const spread = (t: Target): string => {
    const sorted = [...t.slices].sort((a, b) => a - b);
    return `cheapest ${sorted[0].toFixed(1)} µs, median ${sorted[sorted.length >> 1].toFixed(1)} µs CPU`;
  };
  const ratio = (name: string, a: string, b: string): BenchRow => ({
    benchmark: `inject: ${name}`,
    result: formatRatio(best(b) / best(a)),
    detail: 'ratio of the cheapest slices (CPU time per request)',
  });
  return [
    ...targets.map((t) => ({
      benchmark: `inject: ${t.id}`,
      result: `${best(t.id).toFixed(1)} µs`,
      detail: `${spread(t)}; ${SLICES} slices of ${PER_SLICE} requests`,
    })),
    ratio('public (logs + metrics) / empty Nest', 'public', 'nest'),
    ratio('guarded / public', 'guarded', 'public'),
    ratio('public (off) / empty Nest', 'public-off', 'nest'),
    ratio('public on / off', 'public', 'public-off'),
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
