import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuditService } from '../audit/audit.service.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { extractCredential } from '../guards/credential.js';
import { SessionService } from '../sessions/session.service.js';
import { TokenService, type AccessClaims } from '../tokens/token.service.js';
import { clearedCookies } from './cookies.js';
import { setCookies, wantsJson } from './http-response.js';
import { routes } from './routes.js';

interface LogoutRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Ends the session named by the access token (cookie or Bearer, expired or not: a signed
 * token still names it) and clears both cookies. Public, so a stale or missing credential
 * still gets a clean sign-out rather than a 401.
 */
@Controller(routes('logout'))
@Public()
export class LogoutController {
  constructor(
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Post()
  logoutByPost(@Req() request: LogoutRequest, @Res() response: unknown): Promise<void> {
    return this.logout(request, response);
  }

  @Get()
  logoutByGet(@Req() request: LogoutRequest, @Res() response: unknown): Promise<void> {
    return this.logout(request, response);
  }

  private async logout(request: LogoutRequest, response: unknown): Promise<void> {
    const claims = this.sessionOf(request);
    if (claims && (await this.sessions.revoke(claims.sid, 'logout'))) {
      const { ipAddress } = requestInfo(request, this.config.trustProxy);
      this.audit.record({
        type: 'logout',
        userId: claims.sub,
        ipAddress,
        detail: { sessionId: claims.sid },
      });
    }
    setCookies(response, clearedCookies(this.config));
    const { httpAdapter } = this.adapterHost;
    if (wantsJson(request.headers)) {
      httpAdapter.reply(response, { loggedOut: true }, 200);
    } else {
      httpAdapter.redirect(response, 303, `${this.config.serverUrl}/`);
    }
  }

  private sessionOf(request: LogoutRequest): AccessClaims | null {
    for (const token of extractCredential(request.headers)?.tokens ?? []) {
      try {
        return this.tokens.verify(token, { allowExpired: true });
      } catch {
        // not one of ours: nothing to revoke
      }
    }
    return null;
  }
}
