import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Req,
} from '@nestjs/common';
import {
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  type SchemaObject,
} from './openapi.metadata.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SESSION_KINDS } from '../sessions/session.entity.js';
import { SessionRepository, type SessionSummary } from '../sessions/session.repository.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { ApiErrors, ApiJson } from './openapi.decorators.js';
import { API_TAGS } from './openapi.schemas.js';
import { BIGINT_ID, SESSION_ID } from '../common/ids.js';

/** More live sessions than any person or launcher keeps; the newest are shown. */
const MAX_SESSIONS = 200;

const nullable = (format?: string): SchemaObject => ({
  type: ['string', 'null'],
  ...(format ? { format } : {}),
});

const SESSION_LIST: SchemaObject = {
  type: 'object',
  required: ['sessions'],
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'kind',
          'provider',
          'createdAt',
          'lastRefreshAt',
          'expiresAt',
          'userAgent',
          'ipAddress',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          kind: {
            type: 'string',
            enum: [...SESSION_KINDS],
            description: '`browser`: a login; `job`: credentials handed to a launched job',
          },
          provider: { type: 'string', description: 'The login method, or `launch` for a job' },
          createdAt: { type: 'string', format: 'date-time' },
          lastRefreshAt: nullable('date-time'),
          expiresAt: {
            type: 'string',
            format: 'date-time',
            description: 'Ends unless refreshed before (idle timeout, or the absolute cap)',
          },
          userAgent: nullable(),
          ipAddress: nullable(),
        },
      },
    },
  },
};

/**
 * Root users list a user's live sessions, browser logins and job sessions alike, and end one
 * by its id (SPEC §6).
 */
@Controller('admin')
@RootOnly()
@ApiTags(API_TAGS.admin)
export class AdminSessionsController {
  constructor(
    private readonly users: UserRepository,
    private readonly sessionRows: SessionRepository,
    private readonly sessions: SessionService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('users/:id/sessions')
  @ApiOperation({ summary: "A user's live sessions, newest first (never a token)" })
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: BIGINT_ID.source } })
  @ApiJson(200, 'The sessions that are neither ended nor expired', SESSION_LIST)
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async list(@Param('id') id: string): Promise<{ sessions: SessionSummary[] }> {
    if (!BIGINT_ID.test(id)) throw new BadRequestException('A user id is a positive integer');
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('No such user');
    const now = new Date(this.clock.now());
    return { sessions: await this.sessionRows.listLive(user.id, now, MAX_SESSIONS) };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one session (a job that finished, a lost device)',
    description: 'Its access tokens stop working on every instance within a second.',
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiResponse({ status: 204, description: 'Ended' })
  @ApiErrors({ 400: 'The id is not a session id', 404: 'No such live session' })
  async revoke(
    @Param('id') id: string,
    @CurrentUser() admin: AuthPrincipal,
    @Req() request: HttpRequest,
  ): Promise<void> {
    if (!SESSION_ID.test(id)) throw new BadRequestException('A session id is a UUID');
    const ipAddress = requestInfo(request, this.config.trustProxy).ipAddress;
    if (!(await this.sessions.revokeById(id, 'admin', { userId: admin.userId, ipAddress }))) {
      throw new NotFoundException('No such live session');
    }
  }
}
