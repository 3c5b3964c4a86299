import type { Server } from 'node:http';
import os from 'node:os';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app/create-app.js';
import { serviceConfigOf } from '../../src/config/process-config.js';
import type { HttpPlatform, ServiceConfig } from '../../src/config/service-settings.js';
import type { Clock } from '../../packages/tower-auth/src/common/clock.js';
import { DEMO_HOST } from './demo.module.js';

export const PLATFORMS: HttpPlatform[] = ['fastify', 'express'];
export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** A configuration as the service would load it from these environment variables. */
export function testConfig(env: Record<string, string | undefined> = {}): ServiceConfig {
  const defaults = { TOWER_JWT_SECRET: TEST_SECRET, DB_MIGRATIONS_RUN: 'false' };
  return serviceConfigOf({ ...defaults, ...env }, os.tmpdir());
}

export interface TestApp {
  readonly app: INestApplication;
  readonly config: ServiceConfig;
  /** The Node HTTP server, for supertest. */
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The service as main.ts builds it, plus the example host routes of demo.module.ts (`/demo/...`:
 * public, signed-in and root-only), which the service itself does not serve.
 */
export async function startTestApp(
  platform: HttpPlatform,
  env: Record<string, string | undefined>,
  clock?: Clock,
): Promise<TestApp> {
  const config = testConfig(env);
  const app = await createApp(config, { platform, logger: false, clock, ...DEMO_HOST });
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    server: app.getHttpServer() as Server,
    close: () => app.close(),
  };
}
