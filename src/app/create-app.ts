import type {
  DynamicModule,
  INestApplication,
  LoggerService,
  LogLevel,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Clock } from 'tower-auth';
import type { HttpPlatform, ServiceConfig } from '../config/service-settings.js';
import { AppModule } from './app.module.js';
import { buildOpenApiDocument } from './openapi/openapi.document.js';
import { PinoNestLogger } from '../observability/nest-logger.js';
import {
  attachScrapeSources,
  observeRequests,
  quietObservability,
  type Observability,
} from '../observability/observability.js';

export interface CreateAppOptions {
  platform?: HttpPlatform;
  /**
   * Nest's own logger; without it, Nest logs through `observability.log` (pino) when that is
   * given, else only warnings and errors.
   */
  logger?: NestLogger;
  /**
   * Logs and metrics (main.ts builds them from the settings); default: counted, not logged.
   * `false`: no request ids, access lines or HTTP histogram at all (the benchmark's baseline).
   */
  observability?: Observability | false;
  clock?: Clock;
  /**
   * Modules of a host application, imported next to the service's own (the tests and the
   * benchmarks add an example one); `main.ts` adds none.
   */
  modules?: (Type | DynamicModule)[];
  /** Descriptions of the OpenAPI tags the routes of `modules` use. */
  openApiTags?: Record<string, string>;
}

type NestLogger = LoggerService | LogLevel[] | false;

/** Request bodies above this are refused with 413 (ephemeral content has its own limit). */
const MAX_PARAM_LENGTH = 2048;
const BODY_LIMIT = 2 * 1024 * 1024;

/** Builds the service on Fastify (default) or Express; main.ts and the tests share it. */
export async function createApp(
  config: ServiceConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const platform = options.platform ?? config.http.platform;
  const observability = options.observability || quietObservability();
  const observe = options.observability !== false;
  // The scanner needs the application itself: the document is built on its first request.
  let document: OpenAPIObject | undefined;
  const openApiDocument = (): OpenAPIObject =>
    (document ??= buildOpenApiDocument(app, config, options.openApiTags));
  const module = AppModule.forRoot(config, observability, openApiDocument, {
    clock: options.clock,
    modules: options.modules,
  });
  const logger =
    options.logger ??
    (options.observability
      ? new PinoNestLogger(observability.log)
      : (['log', 'warn', 'error'] as LogLevel[]));
  const app =
    platform === 'express'
      ? await createExpressApp(module, logger)
      : await createFastifyApp(module, logger);
  if (observe) observeRequests(app, platform, observability);
  attachScrapeSources(app, observability.metrics);
  return app;
}

async function createExpressApp(
  module: DynamicModule,
  logger: NestLogger,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), {
    logger,
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  return app;
}

/** Nest 12's Fastify adapter parses JSON and url-encoded forms itself, within bodyLimit. */
async function createFastifyApp(
  module: DynamicModule,
  logger: NestLogger,
): Promise<INestApplication> {
  // maxParamLength: Fastify refuses longer path parameters with 414 before any route runs;
  // Express has no such limit, and a hostile ephemeral id must get the same 403 on both.
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  });
  return NestFactory.create<NestFastifyApplication>(module, adapter, { logger });
}
