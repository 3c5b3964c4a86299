import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { routes } from '../http/routes.js';

type Done = (error: Error | null, body?: unknown) => void;

/** The route patterns of POST /ephemeral, as Fastify names them. */
const CREATE_ROUTES = new Set(routes('ephemeral').map((path) => `/${path}`));

/**
 * `POST /ephemeral` takes any non-JSON body as the content, byte for byte. Fastify only knows
 * JSON, forms and text; this adds a catch-all parser that hands that route a Buffer (up to
 * `tower.ephemeral.max-bytes`, 413 beyond) and answers every other route exactly as Fastify
 * did before: 415 for an unknown type, a string for text/plain. Express needs nothing: it
 * leaves such bodies unread and the controller reads them.
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
    const options = { parseAs: 'buffer' as const, bodyLimit: this.config.ephemeral.maxBytes };
    if (fastify.hasContentTypeParser('text/plain')) fastify.removeContentTypeParser('text/plain');
    fastify.addContentTypeParser('text/plain', options, (request, body: Buffer, done: Done) => {
      done(null, isCreate(request) ? body : body.toString('utf8'));
    });
    fastify.addContentTypeParser('*', options, (request, body: Buffer, done: Done) => {
      if (isCreate(request)) done(null, body);
      else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
    });
  }
}

function isCreate(request: FastifyRequest): boolean {
  return request.method === 'POST' && CREATE_ROUTES.has(request.routeOptions.url ?? '');
}
