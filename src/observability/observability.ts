import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { RevocationService, runWithRequestId, type HttpPlatform } from 'tower-auth';
import { createRootLogger } from './logging.js';
import { PromMetrics } from './prom-metrics.js';
import { RequestObserver, ROUTE_PATTERN } from './request-observer.js';

/** The service's logs and metrics: built by main.ts from its settings, or by a test. */
export interface Observability {
  log: Logger;
  metrics: PromMetrics;
  /** Opens GET /metrics on the main port (TOWER_METRICS_TOKEN). */
  metricsToken: string | null;
}

/** Metrics counted, logs discarded: what an app built without settings gets. */
export function quietObservability(): Observability {
  return {
    log: createRootLogger({ logFormat: 'json', logLevel: 'silent' }),
    metrics: new PromMetrics(),
    metricsToken: null,
  };
}

type Next = (error?: unknown) => void;

/**
 * Request ids, the access line and the request histogram, on either platform. The id is
 * assigned as the request arrives; the handler (guard, filter, audit rows, log lines) then
 * runs inside it, after the body is parsed so that the parser's callbacks do not lose it.
 */
export function observeRequests(
  app: INestApplication,
  platform: HttpPlatform,
  observability: Observability,
): void {
  const observer = new RequestObserver(observability.log, observability.metrics);
  // First of all, so that a request refused by a body parser has its id and access line too.
  (app.getHttpServer() as Server).prependListener('request', (req, res) =>
    observer.begin(req, res),
  );
  if (platform === 'express') {
    (app as NestExpressApplication).use((req: IncomingMessage, res: ServerResponse, next: Next) => {
      runWithRequestId(observer.begin(req, res), next);
    });
    return;
  }
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    (request.raw as IncomingMessage & { [ROUTE_PATTERN]?: string })[ROUTE_PATTERN] =
      request.routeOptions.url ?? 'unmatched';
    done();
  });
  fastify.addHook('preHandler', (request, reply, done) => {
    runWithRequestId(observer.begin(request.raw, reply.raw), done);
  });
}

/** The scrape-time gauges read the pool and the revocation listener of the running app. */
export function attachScrapeSources(app: INestApplication, metrics: PromMetrics): void {
  const revocations = app.get(RevocationService, { strict: false });
  metrics.attach({
    dataSource: app.get(DataSource, { strict: false }),
    listenerConnected: () => revocations.isReady,
  });
}
