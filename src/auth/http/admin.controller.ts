import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { routes } from './routes.js';
import { toUserInfo, type UserInfo } from './user-info.controller.js';

const USER_ID = /^[1-9][0-9]{0,18}$/;
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
  if (typeof raw !== 'string' || !USER_ID.test(raw))
    throw new BadRequestException('A user id is a positive integer');
  return raw;
}

/** Administration for root users (SPEC §6). */
@Controller(routes('admin'))
@RootOnly()
export class AdminController {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  @Get('users')
  async listUsers(@Query() query: Query): Promise<{ users: UserInfo[]; total: number }> {
    const offset = integer(query, 'offset', 0, 0, 10_000_000);
    const max = integer(query, 'max', 50, 1, MAX_PAGE);
    const page = await this.users.page(offset, max, text(query, 'email', 320) ?? null);
    return { users: page.items.map(toUserInfo), total: page.total };
  }

  @Delete('users/:id/sessions')
  async revokeSessions(@Param('id') id: string): Promise<{ revoked: number }> {
    const user = await this.users.findById(userId(id));
    if (!user) throw new NotFoundException('No such user');
    return { revoked: await this.sessions.revokeAllForUser(user.id, 'admin') };
  }

  @Get('audit')
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
