/**
 * One server of the overhead benchmark, in a process of its own (bench/overhead.ts pins it to
 * a core): `bare` (node:http), `nest` (an empty Nest + Fastify app), `service` (the service
 * with logs and metrics on: JSON access lines through pino's asynchronous destination into
 * /dev/null, prom-client counting) or `service-quiet` (no request ids, logs or metrics).
 * Prints one JSON line `{port, bearer}` when it listens.
 */
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import { createRootLogger, jsonDestination } from '../src/observability/logging.js';
import { PromMetrics } from '../src/observability/prom-metrics.js';
import { SessionService } from '../packages/tower-auth/src/sessions/session.service.js';
import { UserEntity } from '../packages/tower-auth/src/users/user.entity.js';
import { DEMO_HOST } from '../test/harness/demo.module.js';
import { benchConfig } from './support.js';

const BODY = { hello: 'world' };

@Controller('demo')
class EmptyController {
  @Get('public')
  hello(): typeof BODY {
    return BODY;
  }
}

@Module({ controllers: [EmptyController] })
class EmptyModule {}

async function main(kind: string): Promise<{ port: number; bearer?: string }> {
  if (kind === 'bare') {
    const json = JSON.stringify(BODY);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(json);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port };
  }
  if (kind === 'nest') {
    const app = await NestFactory.create(EmptyModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    return { port: ((app.getHttpServer() as Server).address() as AddressInfo).port };
  }
  const config = benchConfig({ DATABASE_URL: process.env.BENCH_DB_URL ?? '' });
  const observability =
    kind === 'service'
      ? {
          log: createRootLogger(
            { logFormat: 'json', logLevel: 'info' },
            jsonDestination('/dev/null'),
          ),
          metrics: new PromMetrics(),
          metricsToken: null,
        }
      : (false as const);
  const app = await createApp(config, {
    platform: 'fastify',
    observability,
    // Nest's own lines: to pino (/dev/null) when logs are on, nowhere when off.
    ...(observability ? {} : { logger: false as const }),
    ...DEMO_HOST,
  });
  await app.listen(0, '127.0.0.1');
  const user = await app
    .get(DataSource)
    .getRepository(UserEntity)
    .save({
      email: `overhead-${kind}-${process.pid}@example.com`,
      userName: `overhead-${kind}-${process.pid}`,
    });
  const session = await app
    .get(SessionService)
    .startSession(user, 'email', { userAgent: 'tower-bench', ipAddress: null });
  return {
    port: ((app.getHttpServer() as Server).address() as AddressInfo).port,
    bearer: session.accessToken,
  };
}

main(process.argv[2] ?? 'bare').then(
  (ready) => process.stdout.write(`${JSON.stringify(ready)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

// A clean exit on SIGTERM, so that `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
