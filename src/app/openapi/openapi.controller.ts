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
import {
  loadSwaggerUiFile,
  SWAGGER_UI_FILES,
  swaggerUiPage,
  swaggerUiPolicy,
  type SwaggerUiFile,
} from './swagger-ui.js';

/**
 * `GET /openapi.json` (the document), `GET /openapi` (Swagger UI) and the page's files,
 * written through the HTTP adapter so Fastify and Express serve the same bytes and headers.
 */
@Controller('')
@Public()
@ApiTags(API_TAGS.openapi)
export class OpenApiController {
  /** Each file is read (and compressed) on its first request, then served from memory. */
  private readonly files = new Map<string, Promise<SwaggerUiFile>>();

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
    const policy = swaggerUiPolicy(serverUrl);
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Security-Policy', policy);
    const base = `${serverPath}${alias ? `/${API_PREFIX}` : ''}/openapi`;
    return swaggerUiPage(base, `${appName} API`, VERSION);
  }

  @Get('openapi/:asset')
  @Header('Cache-Control', 'public, max-age=86400')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Vary', 'Accept-Encoding')
  @ApiOperation({ summary: 'A file of the browsable page' })
  @ApiParam({ name: 'asset', schema: { type: 'string', enum: Object.keys(SWAGGER_UI_FILES) } })
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
    if (!Object.hasOwn(SWAGGER_UI_FILES, name)) throw new NotFoundException('No such file');
    const file = await this.file(name);
    const zipped = file.gzipped && new Negotiator(request).encoding(['gzip']) ? file.gzipped : null;
    if (zipped) this.adapterHost.httpAdapter.setHeader(response, 'Content-Encoding', 'gzip');
    const body = zipped ?? file.body;
    return new StreamableFile(body, { type: file.type, length: body.length });
  }

  private file(name: string): Promise<SwaggerUiFile> {
    let file = this.files.get(name);
    if (!file) {
      file = loadSwaggerUiFile(name);
      // A failed read is not remembered: the next request tries again.
      file.catch(() => this.files.delete(name));
      this.files.set(name, file);
    }
    return file;
  }
}
