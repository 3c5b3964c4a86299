import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { REQUEST_ID_HEADER, RevocationService, runWithRequestId } from 'tower-auth';
import type { HttpPlatform } from '../config/service-settings.js';
import { createRootLogger } from './logging.js';
import { PromMetrics } from './prom-metrics.js';
import { RequestObserver, type ObservedRoute } from './request-observer.js';

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
    // No destination of stdout: each one keeps a flush timer for the life of the process.
    log: createRootLogger({ logFormat: 'json', logLevel: 'silent' }, { write: () => {} }),
    metrics: new PromMetrics(),
    metricsToken: null,
  };
}

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
  const observer = new RequestObserver(observability.log, observability.metrics.http);
  if (platform === 'express') observeExpress(app as NestExpressApplication, observer);
  else observeFastify(app as NestFastifyApplication, observer);
}

type Next = (error?: unknown) => void;
type ExpressRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

function observeExpress(app: NestExpressApplication, observer: RequestObserver): void {
  // First of all, so that a request refused by a body parser has its id and access line too.
  app.getHttpServer().prependListener('request', (req: ExpressRequest, res: ServerResponse) => {
    const id = observer.assignId(req);
    res.setHeader('X-Request-Id', id);
    const start = performance.now();
    res.once('close', () => {
      const path = req.route?.path;
      const route =
        typeof path === 'string'
          ? observer.route(`${req.baseUrl ?? ''}${path}`)
          : observer.unmatched;
      // A client that went away before the answer was sent: nginx's 499.
      const status = res.writableFinished ? res.statusCode : 499;
      observer.finished(id, req.method ?? 'OTHER', route, status, performance.now() - start);
    });
  });
  app.use((req: IncomingMessage, _res: ServerResponse, next: Next) => {
    runWithRequestId(req.headers[REQUEST_ID_HEADER] as string, next);
  });
}

/** What the end of a Fastify request reads, set as it arrives and when its handler runs. */
const ID = Symbol('tower.requestId');
const ROUTE = Symbol('tower.route');
/** The requests of a connection not answered yet: given up (499) if it closes first. */
const OPEN = Symbol('tower.open');

type Observed = FastifyRequest & { [ID]?: string; [ROUTE]?: ObservedRoute };
type Connection = Socket & { [OPEN]?: Set<FastifyReply> };

/**
 * Two hooks and no listener per request: Nest's adapter runs Fastify's onRequest and
 * onResponse hooks already (one more is a call), Fastify times the reply itself, and the
 * route's pattern comes with its handler, wrapped once when the route is added. The one
 * listener, for a client that goes away unanswered (499), is per connection, not per request.
 */
function observeFastify(app: NestFastifyApplication, observer: RequestObserver): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    const observed = observer.route(route.url);
    const handler = route.handler;
    route.handler = function (this: unknown, request: Observed, reply: FastifyReply) {
      request[ROUTE] = observed;
      return runWithRequestId(request[ID] ?? '', callHandler, handler, this, request, reply);
    };
  });
  fastify.addHook('onRequest', (request: Observed, reply, done) => {
    const id = observer.assignId(request.raw);
    request[ID] = id;
    reply.header('x-request-id', id);
    openOn(request.raw.socket, reply, (given) => end(given, 499));
    done();
  });
  const end = (reply: FastifyReply, status: number): void => {
    const request = reply.request as Observed;
    // Refused before its handler ran (body too large, say): the pattern is looked up then.
    const route =
      request[ROUTE] ??
      (request.is404 ? observer.unmatched : observer.route(request.routeOptions.url ?? ''));
    // An earlier onRequest hook (Nest's, while it shuts down) may have answered before ours ran.
    observer.finished(
      request[ID] ?? observer.assignId(request.raw),
      request.raw.method ?? 'OTHER',
      route,
      status,
      reply.elapsedTime,
    );
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    // Already written as given up when its connection closed first.
    if ((request.raw.socket as Connection | null)?.[OPEN]?.delete(reply) !== false)
      end(reply, reply.statusCode);
    done();
  });
}

function callHandler(
  handler: RouteHandlerMethod,
  self: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): unknown {
  return handler.call(self as FastifyInstance, request, reply);
}

function openOn(
  socket: Connection | null,
  reply: FastifyReply,
  givenUp: (reply: FastifyReply) => void,
): void {
  if (!socket) return;
  let open = socket[OPEN];
  if (!open) {
    const replies = new Set<FastifyReply>();
    socket.once('close', () => {
      for (const given of replies) givenUp(given);
      replies.clear();
    });
    open = socket[OPEN] = replies;
  }
  open.add(reply);
}

/** The scrape-time gauges read the pool and the revocation listener of the running app. */
export function attachScrapeSources(app: INestApplication, metrics: PromMetrics): void {
  const revocations = app.get(RevocationService, { strict: false });
  metrics.attach({
    dataSource: app.get(DataSource, { strict: false }),
    listenerConnected: () => revocations.isReady,
  });
}
