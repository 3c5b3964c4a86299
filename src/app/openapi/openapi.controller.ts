import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiParam, ApiTags, type OpenAPIObject } from '@nestjs/swagger';
import Negotiator from 'negotiator';
import { TOWER_CONFIG, type HttpRequest, type TowerConfig, Public } from 'tower-auth';
import { ApiContent, ApiErrors, ApiJson, API_PREFIX, isApiAliasPath } from 'tower-auth/openapi';
import { VERSION } from '../../version.js';
import { OPENAPI_DOCUMENT } from './openapi.document.js';

const INIT_SCRIPT = 'swagger-ui-init.js';

/**
 * The browsable page's files by the name they are served under: swagger-ui-dist's, then the
 * script of ours that starts Swagger UI (beside this file: the page's CSP runs no inline script).
 */
const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  [INIT_SCRIPT]: 'text/javascript; charset=utf-8',
};

/**
 * swagger-ui-dist as @nestjs/swagger ships it (its dependency, not ours: resolved from its
 * folder). SwaggerModule.setup would need @fastify/static on Fastify, inlines a style and
 * compresses nothing; these few files are served by our own controller instead.
 */
const fromSwagger = createRequire(createRequire(import.meta.url).resolve('@nestjs/swagger'));
const SWAGGER_UI_DIST = pathToFileURL(fromSwagger.resolve('swagger-ui-dist/package.json'));

/** A file's bytes, and gzip-compressed for text (the bundle: 1.6 MB, 0.43 MB zipped). */
type Loaded = [body: Buffer, gzipped: Buffer | null];

async function load(name: string): Promise<Loaded> {
  const folder = name === INIT_SCRIPT ? import.meta.url : SWAGGER_UI_DIST;
  const body = await readFile(new URL(name, folder));
  return [body, FILES[name].startsWith('text/') ? await promisify(gzip)(body) : null];
}

/**
 * `base`: `/openapi` or `/api/openapi` under the server URL's path, the path the page was asked
 * for, so the page and its files come through the same prefix (a proxy may forward only `/api`).
 */
function swaggerUiPage(base: string, title: string, version: string): string {
  const file = (name: string): string => `${base}/${name}?v=${encodeURIComponent(version)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</title>
<link rel="icon" type="image/png" href="${file('favicon-32x32.png')}">
<link rel="stylesheet" href="${file('swagger-ui.css')}">
</head>
<body>
<noscript>This page needs JavaScript; the document itself is <a href="${base}.json">${base}.json</a>.</noscript>
<div id="swagger-ui" data-document="${base}.json"></div>
<script src="${file('swagger-ui-bundle.js')}"></script>
<script type="module" src="${file(INIT_SCRIPT)}"></script>
</body>
</html>
`;
}

/**
 * The page's Content-Security-Policy but `connect-src`, which names the server URL's origin
 * too: "Try it out" calls the document's servers, which are built from it.
 */
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * `GET /openapi.json` (the document), `GET /openapi` (Swagger UI) and the page's files,
 * written through the HTTP adapter so Fastify and Express serve the same bytes and headers.
 */
@Controller('')
@Public()
@ApiTags('openapi')
export class OpenApiController {
  /** Each file as read (and compressed) on its first request; a failed read is tried again. */
  private readonly files = new Map<string, Loaded>();

  constructor(
    @Inject(OPENAPI_DOCUMENT) private readonly document: () => OpenAPIObject,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'This document (OpenAPI 3.1)' })
  @ApiJson(200, 'The OpenAPI document', { type: 'object' })
  openApiDocument(): OpenAPIObject {
    return this.document();
  }

  @Get('openapi')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('X-Frame-Options', 'DENY')
  @ApiOperation({
    summary: 'The browsable page (Swagger UI)',
    description: 'Everything it loads comes from this service (see the CSP).',
  })
  @ApiContent(200, 'Swagger UI, served with a strict Content-Security-Policy', ['text/html'])
  page(@Req() request: HttpRequest, @Res({ passthrough: true }) response: unknown): string {
    const { serverPath, serverUrl, appName } = this.config;
    const alias = isApiAliasPath(request.originalUrl ?? request.url ?? '', serverPath);
    const policy = `${POLICY}; connect-src 'self' ${new URL(serverUrl).origin}`;
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Security-Policy', policy);
    const base = `${serverPath}${alias ? `/${API_PREFIX}` : ''}/openapi`;
    return swaggerUiPage(base, `${appName} API`, VERSION);
  }

  @Get('openapi/:asset')
  @Header('Cache-Control', 'public, max-age=86400')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Vary', 'Accept-Encoding')
  @ApiOperation({ summary: 'A file of the browsable page' })
  @ApiParam({ name: 'asset', schema: { type: 'string', enum: Object.keys(FILES) } })
  @ApiContent(200, 'The file; gzip-encoded when the client accepts it', [
    'text/css',
    'text/javascript',
    'image/png',
  ])
  @ApiErrors({ 404: 'No such file' })
  async asset(
    @Param('asset') name: string,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<StreamableFile> {
    if (!Object.hasOwn(FILES, name)) throw new NotFoundException('No such file');
    let loaded = this.files.get(name);
    if (!loaded) this.files.set(name, (loaded = await load(name)));
    const [plain, gzipped] = loaded;
    const zipped = gzipped && new Negotiator(request).encoding(['gzip']);
    if (zipped) this.adapterHost.httpAdapter.setHeader(response, 'Content-Encoding', 'gzip');
    const body = zipped ? gzipped : plain;
    return new StreamableFile(body, { type: FILES[name], length: body.length });
  }
}
