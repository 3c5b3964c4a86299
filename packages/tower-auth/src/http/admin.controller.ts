import {
  applyDecorators,
  BadRequestException,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from './openapi.metadata.js';
import { AuditService } from '../audit/audit.service.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { ApiErrors, ApiJson } from './openapi.decorators.js';
import { API_TAGS } from './openapi.schemas.js';
import { toUserInfo, type UserInfo } from './user-info.controller.js';
import { BIGINT_ID } from '../common/ids.js';

const MAX_PAGE = 100;

type Query = Record<string, unknown>;

function integer(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new BadRequestException(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function text(query: Query, name: string, maxLength: number): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > maxLength) {
    throw new BadRequestException(`${name} must be one string of at most ${maxLength} characters`);
  }
  return raw;
}

function userId(raw: unknown): string {
  if (typeof raw !== 'string' || !BIGINT_ID.test(raw))
    throw new BadRequestException('A user id is a positive integer');
  return raw;
}

/** `offset` and `max` of the list routes, and the 400 a bad query value gets. */
function ApiPage(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'offset',
      required: false,
      schema: { type: 'integer', minimum: 0, default: 0 },
    }),
    ApiQuery({
      name: 'max',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 },
    }),
    ApiErrors({ 400: 'A query value out of range' }),
  );
}

/** Administration for root users (SPEC §6). */
@Controller('admin')
@RootOnly()
@ApiTags(API_TAGS.admin)
export class AdminController {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  @Get('users')
  @ApiOperation({ summary: 'Users, by id' })
  @ApiPage()
  @ApiQuery({
    name: 'email',
    required: false,
    description: 'Only e-mails containing this',
  })
  @ApiJson(200, 'A page of users', 'UserPage')
  async listUsers(@Query() query: Query): Promise<{ users: UserInfo[]; total: number }> {
    const offset = integer(query, 'offset', 0, 0, 10_000_000);
    const max = integer(query, 'max', 50, 1, MAX_PAGE);
    const page = await this.users.page(offset, max, text(query, 'email', 320) ?? null);
    return { users: page.items.map(toUserInfo), total: page.total };
  }

  @Delete('users/:id/sessions')
  @ApiOperation({
    summary: 'End every session of a user',
    description: 'Their access tokens stop working on every instance within a second.',
  })
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: BIGINT_ID.source } })
  @ApiJson(200, 'How many sessions were ended', 'SessionsRevoked')
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async revokeSessions(@Param('id') id: string): Promise<{ revoked: number }> {
    const user = await this.users.findById(userId(id));
    if (!user) throw new NotFoundException('No such user');
    return { revoked: await this.sessions.revokeAllForUser(user.id, 'admin') };
  }

  @Get('audit')
  @ApiOperation({ summary: 'Audit events, newest first' })
  @ApiPage()
  @ApiQuery({
    name: 'type',
    required: false,
    description: 'Only events of this type',
  })
  @ApiQuery({
    name: 'userId',
    required: false,
    description: 'Only events of this user',
  })
  @ApiJson(200, 'A page of audit events', 'AuditPage')
  async listAudit(@Query() query: Query): Promise<{ events: unknown[]; total: number }> {
    const offset = integer(query, 'offset', 0, 0, 10_000_000);
    const max = integer(query, 'max', 50, 1, MAX_PAGE);
    const rawUser = text(query, 'userId', 19);
    const page = await this.audit.page(offset, max, {
      type: text(query, 'type', 64),
      userId: rawUser === undefined ? undefined : userId(rawUser),
    });
    return { events: page.items, total: page.total };
  }
}
