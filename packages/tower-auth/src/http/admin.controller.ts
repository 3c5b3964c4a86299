import { Controller, Delete, Get, NotFoundException } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from './openapi.metadata.js';
import { AuditService } from '../audit/audit.service.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { AuditPage, AuditQuery, SessionsRevoked, UserPage, UserQuery } from './admin.shapes.js';
import { userId } from './fields.js';
import { ApiErrors, ApiJson } from './openapi.decorators.js';
import { ParamShape, QueryShape } from './shapes.js';
import { toUserInfo } from './user-info.controller.js';

/** Administration for root users (`TOWER_ROOT_USERS`). */
@Controller('admin')
@RootOnly()
@ApiTags('admin')
export class AdminController {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  @Get('users')
  @ApiOperation({ summary: 'Users, by id' })
  @ApiErrors({ 400: 'A query value out of range' })
  @ApiJson(200, 'A page of users', UserPage)
  async listUsers(
    @QueryShape(UserQuery) { offset, max, email }: z.output<typeof UserQuery>,
  ): Promise<z.input<typeof UserPage>> {
    const page = await this.users.page(offset, max, email ?? null);
    return { users: page.items.map(toUserInfo), total: page.total };
  }

  @Delete('users/:id/sessions')
  @ApiOperation({
    summary: 'End every session of a user',
    description: 'Their access tokens stop working on every instance within a second.',
  })
  @ApiJson(200, 'How many sessions were ended', SessionsRevoked)
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async revokeSessions(
    @ParamShape('id', userId) id: string,
  ): Promise<z.input<typeof SessionsRevoked>> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('No such user');
    return { revoked: await this.sessions.revokeAllForUser(user.id, 'admin') };
  }

  @Get('audit')
  @ApiOperation({ summary: 'Audit events, newest first' })
  @ApiErrors({ 400: 'A query value out of range' })
  @ApiJson(200, 'A page of audit events', AuditPage)
  async listAudit(
    @QueryShape(AuditQuery) { offset, max, type, userId }: z.output<typeof AuditQuery>,
  ): Promise<z.input<typeof AuditPage>> {
    const page = await this.audit.page(offset, max, { type, userId });
    return { events: page.items, total: page.total };
  }
}
