/** The apps the overhead benchmarks compare, over HTTP (overhead-server.ts) or inject(). */
import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app/create-app.js';
import { createRootLogger, jsonDestination } from '../src/observability/logging.js';
import { PromMetrics } from '../src/observability/prom-metrics.js';
import { SessionService } from '../packages/tower-auth/src/sessions/session.service.js';
import { UserEntity } from '../packages/tower-auth/src/users/user.entity.js';
import { DEMO_HOST } from '../test/harness/demo.module.js';
import { benchConfig } from './support.js';

export const BODY = { hello: 'world' };

@Controller('demo')
class EmptyController {
  @Get('public')
  hello(): typeof BODY {
    return BODY;
  }
}

/** The empty Nest app: one route answering the same JSON as the service's demo routes. */
@Module({ controllers: [EmptyController] })
export class EmptyModule {}

/**
 * The service on Fastify with logs and metrics on (JSON access lines through pino's
 * asynchronous destination into /dev/null, prom-client counting) or off (no request ids, logs
 * or metrics).
 */
export function createServiceApp(databaseUrl: string, on: boolean): Promise<INestApplication> {
  const observability = on
    ? {
        log: createRootLogger(
          { logFormat: 'json', logLevel: 'info' },
          jsonDestination('/dev/null'),
        ),
        metrics: new PromMetrics(),
        metricsToken: null,
      }
    : (false as const);
  return createApp(benchConfig({ DATABASE_URL: databaseUrl }), {
    platform: 'fastify',
    observability,
    // Nest's own lines: to pino (/dev/null) when logs are on, nowhere when off.
    ...(observability ? {} : { logger: false as const }),
    ...DEMO_HOST,
  });
}

/** An access token of a new user of the app, for the guarded route. */
export async function bearerFor(app: INestApplication, name: string): Promise<string> {
  const user = await app
    .get(DataSource)
    .getRepository(UserEntity)
    .save({ email: `${name}-${process.pid}@example.com`, userName: `${name}-${process.pid}` });
  const session = await app
    .get(SessionService)
    .startSession(user, 'email', { userAgent: 'tower-bench', ipAddress: null });
  return session.accessToken;
}
