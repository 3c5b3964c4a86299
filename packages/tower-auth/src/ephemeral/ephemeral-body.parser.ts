import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { readRawBody } from './ephemeral-http.js';

/** The little of Fastify this needs, typed here so the package does not depend on Fastify. */
interface FastifyRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  raw: IncomingMessage;
  routeOptions: { url?: string };
}
interface FastifyInstance {
  addHook(
    name: 'preParsing',
    hook: (
      request: FastifyRequest,
      reply: unknown,
      payload: Readable,
      done: (error: Error | null, payload?: Readable) => void,
    ) => void,
  ): void;
}

/** A body `POST /ephemeral` took byte for byte, before any parser of the application saw it. */
export interface CapturedBody {
  readonly contentType: string | undefined;
  readonly bytes: Buffer;
}

const CAPTURED = Symbol('tower:ephemeral-body');

export function capturedBody(request: object): CapturedBody | undefined {
  return (request as { [CAPTURED]?: CapturedBody })[CAPTURED];
}

/** POST /ephemeral as Fastify names the route, under a global prefix or `/api` too. */
const CREATE_ROUTE = /(^|\/)ephemeral$/;
/** Bodies the application's parsers read for the route as usual (and 415 for forms). */
const PARSED_TYPES = /^\s*(application\/(json|x-www-form-urlencoded)|multipart\/)/i;

/**
 * `POST /ephemeral` takes any non-JSON body as the content, byte for byte, whatever its type.
 * On Fastify a parser would decode text (losing bytes) and refuse unknown types with 415, and a
 * catch-all parser would change every other route of the application; instead a preParsing
 * hook reads such a body for this one route (up to `tower.ephemeral.max-bytes`, 413 beyond),
 * keeps it on the request and lets the request continue as one without a body. Express needs
 * nothing: it leaves such bodies unread and the controller reads them.
 */
@Injectable()
export class EphemeralBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyInstance>();
    const limit = this.config.ephemeral.maxBytes;
    // Not async: every other request of the application goes on synchronously, not a
    // microtask later with three promises made for nothing.
    fastify.addHook('preParsing', (request, _reply, payload, done) => {
      if (!isRawCreate(request)) return done(null, payload);
      capture(request, payload).then((body) => done(null, body), done);
    });
    const capture = async (request: FastifyRequest, payload: Readable): Promise<Readable> => {
      const contentType = single(request.headers['content-type']);
      const bytes = await readRawBody(payload, limit, request.headers['content-length']).catch(
        (error: unknown) => {
          // Fastify answers a hook's error itself: it needs the status on the error.
          throw Object.assign(new Error(describe(error)), { statusCode: 413 });
        },
      );
      (request.raw as { [CAPTURED]?: CapturedBody })[CAPTURED] = { contentType, bytes };
      delete request.headers['content-type'];
      delete request.headers['transfer-encoding'];
      request.headers['content-length'] = '0';
      return Readable.from([]);
    };
  }
}

function isRawCreate(request: FastifyRequest): boolean {
  if (request.method !== 'POST' || !CREATE_ROUTE.test(request.routeOptions.url ?? '')) {
    return false;
  }
  return !PARSED_TYPES.test(single(request.headers['content-type']) ?? '');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'The content is too large';
}
