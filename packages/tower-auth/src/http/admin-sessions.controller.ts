import { Controller, Delete, Get, HttpCode, Inject, NotFoundException, Req } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiResponse, ApiTags } from './openapi.metadata.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionRepository } from '../sessions/session.repository.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { ApiErrors, ApiJson } from './openapi.decorators.js';
import { SessionList } from './admin.shapes.js';
import { sessionId, userId } from './fields.js';
import { ParamShape } from './shapes.js';
import type { HttpRequest } from '../common/http-request.js';

/** More live sessions than any person or launcher keeps; the newest are shown. */
const MAX_SESSIONS = 200;

/**
 * Root users list a user's live sessions, browser logins and job sessions alike, and end one
 * by its id.
 */
@Controller('admin')
@RootOnly()
@ApiTags('admin')
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
  @ApiJson(200, 'The sessions that are neither ended nor expired', SessionList)
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async list(@ParamShape('id', userId) id: string): Promise<z.input<typeof SessionList>> {
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
  @ApiResponse({ status: 204, description: 'Ended' })
  @ApiErrors({ 400: 'The id is not a session id', 404: 'No such live session' })
  async revoke(
    @ParamShape('id', sessionId) id: string,
    @CurrentUser() admin: AuthPrincipal,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const ipAddress = requestInfo(request, this.config.trustProxy).ipAddress;
    if (!(await this.sessions.revokeById(id, 'admin', { userId: admin.userId, ipAddress }))) {
      throw new NotFoundException('No such live session');
    }
  }
}
