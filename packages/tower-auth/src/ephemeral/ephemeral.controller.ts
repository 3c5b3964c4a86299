import {
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Logger,
  Post,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { describeError } from '../common/describe-error.js';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Authenticated, Public } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { noStore } from '../http/http-response.js';
import { ApiContent, ApiErrors, ApiJson } from '../http/openapi.decorators.js';
import { ApiQueryOf, jsonSchemaOf, ParamShape } from '../http/shapes.js';
import { isApiAliasPath } from '../http/routes.js';
import {
  CONTENT_HEADERS,
  nodeResponse,
  readRawBody,
  sendContent,
  whenUndelivered,
} from './ephemeral-http.js';
import { capturedBody } from './ephemeral-body.parser.js';
import { parseCreateRequest } from './ephemeral-request.js';
import { EphemeralService } from './ephemeral.service.js';
import {
  EphemeralCreate,
  EphemeralEndpointBody,
  EphemeralName,
  EphemeralQuery,
} from './ephemeral.shapes.js';

/** Node's request (Express's req is one); Fastify's wraps it as `raw`. */
type NodeRequest = HttpRequest & IncomingMessage & { raw?: IncomingMessage };

const logger = new Logger('Ephemeral');

/** Every refusal looks the same: clients retry 404, 410 and 5xx, but not 403. */
function gone(): ForbiddenException {
  return new ForbiddenException('This link has expired, was already used or never existed');
}

/**
 * Single-use URLs. The GET is anonymous: the id is the capability and any
 * credential that comes along is ignored. The first GET consumes it; a HEAD never does.
 */
@Controller('ephemeral')
@ApiTags('ephemeral')
export class EphemeralController {
  constructor(
    private readonly ephemeral: EphemeralService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get(':name')
  @Public()
  @ApiOperation({
    summary: 'Fetch a single-use endpoint',
    description:
      'Anonymous: the id is the capability and any credential is ignored. The first GET consumes it; HEAD consumes nothing.',
  })
  @ApiContent(200, 'The content, with the type it was created with', ['*/*'], {
    'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } },
    'Referrer-Policy': { schema: { type: 'string', enum: ['no-referrer'] } },
  })
  @ApiErrors({ 403: 'Already fetched, expired, or never existed (clients do not retry a 403)' })
  async fetch(
    @ParamShape('name', EphemeralName, gone) id: string,
    @Req() request: NodeRequest,
    @Res() response: unknown,
  ): Promise<void> {
    if (request.method === 'HEAD') {
      const live = await this.ephemeral.peek(id);
      if (!live) throw gone();
      sendContent(response, { ...CONTENT_HEADERS, 'Content-Type': live.contentType }, null);
      return;
    }
    const found = await this.ephemeral.fetch(id);
    if (!found) throw gone();
    const restore = (): void => {
      found.restore().catch((error: unknown) => {
        logger.warn(`Could not restore an undelivered endpoint: ${describeError(error)}`);
      });
    };
    // No byte went out: the job that retries must still get it. Some did: whoever holds the
    // connection may have read the start (credentials sit there), so it stays used, on record.
    const undelivered = whenUndelivered(nodeResponse(response), {
      lost: restore,
      partial: () => found.partiallyRead(requestInfo(request, this.config.trustProxy).ipAddress),
    });
    if (undelivered) return;
    sendContent(response, { ...CONTENT_HEADERS, 'Content-Type': found.contentType }, found.content);
  }

  @Post()
  @Authenticated()
  @ApiOperation({
    summary: 'Create a single-use endpoint',
    description:
      'JSON `{content, contentType?, extension?, duration?}`, or any other body taken byte for byte with its own Content-Type (then `extension` and `duration` come from the query).',
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: jsonSchemaOf(EphemeralCreate) },
        '*/*': { schema: { type: 'string', format: 'binary' } },
      },
    },
  })
  @ApiQueryOf(EphemeralQuery)
  @ApiJson(201, 'Created; the URL is under /api when the request was', EphemeralEndpointBody)
  @ApiErrors({
    400: 'No content, or a bad field, extension or duration',
    413: 'Content above tower.ephemeral.max-bytes',
    415: 'A form body',
  })
  async create(
    @Req() request: NodeRequest,
    @CurrentUser() user: AuthPrincipal,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<z.input<typeof EphemeralEndpointBody>> {
    const captured = capturedBody(request.raw ?? request);
    const input = captured
      ? parseCreateRequest(
          { ...request.headers, 'content-type': captured.contentType },
          request.query ?? {},
          captured.bytes,
        )
      : parseCreateRequest(request.headers, request.query ?? {}, await this.bodyOf(request));
    noStore(response);
    return this.ephemeral.create(input.content, {
      ...input.options,
      createdBy: user.userId,
      apiPrefix: isApiAliasPath(request.originalUrl ?? request.url ?? '', this.config.serverPath),
    });
  }

  /** A parsed JSON value, or the raw bytes of any other body. */
  private async bodyOf(request: NodeRequest): Promise<unknown> {
    if (isForm(request)) {
      throw new UnsupportedMediaTypeException(
        'Send JSON {content, contentType?, extension?, duration?} or the raw content with its own type',
      );
    }
    if (request.body !== undefined) return request.body;
    // Fastify has parsed or captured every body by now; Express left a raw one unread.
    if (request.raw) return Buffer.alloc(0);
    return readRawBody(request, this.ephemeral.maxBytes, request.headers['content-length']);
  }
}

function isForm(request: NodeRequest): boolean {
  return /^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '');
}
