import { applyDecorators, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiTags } from './openapi.metadata.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { clearedCookies } from './cookies.js';
import { setCookies, wantsJson } from './http-response.js';
import {
  ApiJson,
  ApiOptionalCredential,
  ApiRedirect,
  SESSION_COOKIES_CLEARED,
} from './openapi.decorators.js';
import { API_TAGS, SECURITY } from './openapi.schemas.js';

interface LogoutRequest {
  headers: Record<string, string | string[] | undefined>;
}

const LOGOUT_DESCRIPTION =
  'Revokes the session named by the access token (Bearer or cookie; an expired one still names it) and clears both cookies. Without a credential it only clears the cookies.';

function ApiLogout(): MethodDecorator {
  return applyDecorators(
    ApiOptionalCredential(SECURITY.bearer, SECURITY.accessCookie),
    ApiRedirect('Signed out (a browser)', '`${serverUrl}/`', SESSION_COOKIES_CLEARED),
    ApiJson(200, 'Signed out (`Accept: application/json`)', 'LoggedOut', SESSION_COOKIES_CLEARED),
  );
}

/**
 * Ends the session named by the access token (cookie or Bearer, expired or not: a signed
 * token still names it) and clears both cookies. Public, so a stale or missing credential
 * still gets a clean sign-out rather than a 401.
 */
@Controller('logout')
@Public()
@ApiTags(API_TAGS.sessions)
export class LogoutController {
  constructor(
    private readonly sessions: SessionService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Sign out', description: LOGOUT_DESCRIPTION })
  @ApiLogout()
  logoutByPost(@Req() request: LogoutRequest, @Res() response: unknown): Promise<void> {
    return this.logout(request, response);
  }

  @Get()
  @ApiOperation({
    summary: 'Sign out (GET: where an OIDC provider sends the browser back)',
    description: LOGOUT_DESCRIPTION,
  })
  @ApiLogout()
  logoutByGet(@Req() request: LogoutRequest, @Res() response: unknown): Promise<void> {
    return this.logout(request, response);
  }

  private async logout(request: LogoutRequest, response: unknown): Promise<void> {
    await this.sessions.logout(request.headers, requestInfo(request, this.config.trustProxy));
    setCookies(response, clearedCookies(this.config));
    const { httpAdapter } = this.adapterHost;
    if (wantsJson(request.headers)) {
      httpAdapter.reply(response, { loggedOut: true }, 200);
    } else {
      httpAdapter.redirect(response, 303, `${this.config.serverUrl}/`);
    }
  }
}
