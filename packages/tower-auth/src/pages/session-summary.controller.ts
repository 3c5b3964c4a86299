import { Controller, ForbiddenException, Get, UnauthorizedException } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { Authenticated } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionOnly } from '../decorators/session-only.decorator.js';
import { ApiJson } from '../http/openapi.decorators.js';
import { SessionSummaryBody } from '../http/http.shapes.js';
import { SessionRepository } from '../sessions/session.repository.js';

export type SessionSummary = z.input<typeof SessionSummaryBody>;

/**
 * `GET /auth/session`: the caller's own session, for the login page's "Session expires" line
 * and its admin link. One primary-key read; the guard has already checked the token.
 */
@Controller('auth/session')
@ApiTags('sessions')
export class SessionSummaryController {
  constructor(private readonly sessions: SessionRepository) {}

  @Get()
  @Authenticated()
  @SessionOnly()
  @ApiOperation({
    summary: "The caller's session: its login method, expiry and roles (used by the login page)",
  })
  @ApiJson(200, 'The session of the credential', SessionSummaryBody)
  async summary(@CurrentUser() principal: AuthPrincipal): Promise<SessionSummary> {
    // A personal access token has no session to describe.
    if (principal.credential !== 'session') throw new ForbiddenException('No session');
    const row = await this.sessions.findById(principal.sessionId);
    if (!row || row.revokedAt) throw new UnauthorizedException('Session revoked');
    return {
      session: {
        provider: row.provider,
        expiresAt: row.idleExpiresAt.toISOString(),
        absoluteExpiresAt: row.absoluteExpiresAt.toISOString(),
      },
      roles: principal.roles,
    };
  }
}
