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
import { TOWER_CONFIG, type HttpRequest, type TowerConfig, Public } from 'tower-auth';
import {
  ApiContent,
  ApiErrors,
  ApiJson,
  API_TAGS,
  API_PREFIX,
  isApiAliasPath,
} from 'tower-auth/openapi';
import { VERSION } from '../../version.js';
import { OpenApiDocument } from './openapi.document.js';
import { INIT_SCRIPT, INIT_SCRIPT_BODY, openApiPage, openApiPageCsp } from './openapi.page.js';
import {
  isSwaggerUiFile,
  SWAGGER_UI_FILES,
  SwaggerUiAssets,
  type Asset,
} from './swagger-ui.assets.js';

const ASSET_NAMES = [...Object.keys(SWAGGER_UI_FILES), INIT_SCRIPT];
const ASSET_CACHE = 'public, max-age=86400';

/**
 * `GET /openapi.json` (the document), `GET /openapi` (Swagger UI) and the page's files,
 * written through the HTTP adapter so Fastify and Express serve the same bytes and headers.
 */
@Controller('')
@Public()
@ApiTags(API_TAGS.openapi)
export class OpenApiController {
  private readonly assets = new SwaggerUiAssets();
  private readonly initScript: Asset = {
    type: 'text/javascript; charset=utf-8',
    body: Buffer.from(INIT_SCRIPT_BODY),
    gzipped: null,
  };

  constructor(
    private readonly document: OpenApiDocument,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'This document (OpenAPI 3.1)' })
  @ApiJson(200, 'The OpenAPI document', { type: 'object' })
  openApiDocument(): OpenAPIObject {
    return this.document.get();
  }

  @Get('openapi')
  @ApiOperation({
    summary: 'The browsable page (Swagger UI)',
    description: 'Everything it loads comes from this service (see the CSP).',
  })
  @ApiContent(200, 'Swagger UI, served with a strict Content-Security-Policy', ['text/html'])
  page(@Req() request: HttpRequest, @Res() response: unknown): void {
    const { httpAdapter } = this.adapterHost;
    const under = isApiAliasPath(request.originalUrl ?? request.url ?? '', this.config.serverPath);
    const base = `${this.config.serverPath}${under ? `/${API_PREFIX}` : ''}/openapi`;
    const headers: Record<string, string> = {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': openApiPageCsp(this.config.serverUrl),
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    };
    for (const [name, value] of Object.entries(headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    const html = openApiPage(base, `${this.config.appName} API`, VERSION);
    httpAdapter.reply(response, html, 200);
  }

  @Get('openapi/:asset')
  @ApiOperation({ summary: 'A file of the browsable page' })
  @ApiParam({ name: 'asset', schema: { type: 'string', enum: ASSET_NAMES } })
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
    let asset: Asset;
    if (name === INIT_SCRIPT) asset = this.initScript;
    else if (isSwaggerUiFile(name)) asset = await this.assets.get(name);
    else throw new NotFoundException('No such file');
    const { httpAdapter } = this.adapterHost;
    const zipped = asset.gzipped !== null && acceptsGzip(request);
    httpAdapter.setHeader(response, 'Cache-Control', ASSET_CACHE);
    httpAdapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    if (asset.gzipped !== null) httpAdapter.setHeader(response, 'Vary', 'Accept-Encoding');
    if (zipped) httpAdapter.setHeader(response, 'Content-Encoding', 'gzip');
    const body = zipped && asset.gzipped ? asset.gzipped : asset.body;
    return new StreamableFile(body, { type: asset.type, length: body.length });
  }
}

/** `Accept-Encoding` names gzip with a weight above zero. */
function acceptsGzip(request: HttpRequest): boolean {
  const header = request.headers['accept-encoding'];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text.split(',').some((entry) => {
    const [coding, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const weight = params.find((param) => param.startsWith('q='));
    return coding === 'gzip' && (weight === undefined || Number(weight.slice(2)) > 0);
  });
}
