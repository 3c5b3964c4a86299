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
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BODY, bearerFor, createServiceApp, EmptyModule } from './overhead-apps.js';

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
  const app = await createServiceApp(process.env.BENCH_DB_URL ?? '', kind === 'service');
  await app.listen(0, '127.0.0.1');
  return {
    port: ((app.getHttpServer() as Server).address() as AddressInfo).port,
    bearer: await bearerFor(app, `overhead-${kind}`),
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
