import type { Server } from 'node:http';
import {
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DatabaseModule } from '../../src/database/database.module.js';
import { AuthModule } from '../../packages/tower-auth/src/auth.module.js';
import type { HttpPlatform, ServiceConfig } from '../../src/config/service-settings.js';

/** The global prefix of the host, and the path its `serverUrl` must end with. */
export const HOST_PREFIX = 'v1';

@Module({})
class PrefixedHostModule {
  static forRoot(config: ServiceConfig, apiAlias: boolean): DynamicModule {
    return {
      module: PrefixedHostModule,
      imports: [DatabaseModule.forRoot(config), AuthModule.forRoot({ config, apiAlias })],
    };
  }
}

export interface PrefixedHost {
  readonly app: INestApplication;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * A plain Nest application (the platform's own body parsers, no service extras) that imports
 * AuthModule and serves everything under `setGlobalPrefix('v1')`, as a host app would.
 */
export async function startPrefixedHost(
  platform: HttpPlatform,
  config: ServiceConfig,
  options: { apiAlias?: boolean; logger?: LoggerService | false } = {},
): Promise<PrefixedHost> {
  const module = PrefixedHostModule.forRoot(config, options.apiAlias ?? false);
  const logger = options.logger ?? false;
  const app =
    platform === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger })
      : await NestFactory.create(module, new ExpressAdapter(), { logger });
  app.setGlobalPrefix(HOST_PREFIX);
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  return { app, server: app.getHttpServer() as Server, close: () => app.close() };
}
