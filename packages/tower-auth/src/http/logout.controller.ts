import { applyDecorators, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from './openapi.metadata.js';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SameOriginOnly } from '../decorators/same-origin.decorator.js';
import { extractCredential, fromAnotherSite } from '../guards/credential.js';
import { sendSignOutPage } from '../pages/sign-out-page.js';
import { SessionService } from '../sessions/session.service.js';
import { clearedCookies } from './cookies.js';
import { setCookies, wantsJson } from './http-response.js';
import { ApiJson, ApiRedirect, SESSION_COOKIES_CLEARED } from './openapi.decorators.js';
import { LoggedOut } from './http.shapes.js';
import { jsonSchemaOf } from './shapes.js';

const LOGOUT_DESCRIPTION =
  'Revokes the session named by the access token (Bearer or cookie; an expired one still names it) and clears both cookies. Without a credential it only clears the cookies.';

const SIGNED_OUT_JSON = 'Signed out (`Accept: application/json`)';

/** `page`: the GET's other 200, the HTML page a link from another site gets. */
function ApiLogout(page?: string): MethodDecorator {
  return applyDecorators(
    ApiSecurity(['bearer', 'accessCookie'], { optional: true }),
    ApiRedirect('Signed out (a browser)', '`${serverUrl}/`', SESSION_COOKIES_CLEARED),
    page
      ? ApiResponse({
          status: 200,
          description: `${SIGNED_OUT_JSON}; or ${page}`,
          headers: SESSION_COOKIES_CLEARED,
          content: {
            'application/json': { schema: jsonSchemaOf(LoggedOut) },
            'text/html': { schema: { type: 'string' } },
          },
        })
      : ApiJson(200, SIGNED_OUT_JSON, LoggedOut, SESSION_COOKIES_CLEARED),
  );
}

/**
 * Ends the session named by the access token (cookie or Bearer, expired or not: a signed
 * token still names it) and clears both cookies. Public, so a stale or missing credential
 * still gets a clean sign-out rather than a 401. Another site can make a browser do neither:
 * its POST is refused (403) and its link gets a "Sign out?" page.
 */
@Controller('logout')
@Public()
@ApiTags('sessions')
export class LogoutController {
  private readonly origin: string;

  constructor(
    private readonly sessions: SessionService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {
    this.origin = new URL(config.serverUrl).origin;
  }

  @Post()
  @SameOriginOnly()
  @ApiOperation({ summary: 'Sign out', description: LOGOUT_DESCRIPTION })
  @ApiLogout()
  logoutByPost(@Req() request: HttpRequest, @Res() response: unknown): Promise<void> {
    return this.logout(request, response);
  }

  @Get()
  @ApiOperation({
    summary: 'Sign out (GET: where an OIDC provider sends the browser back)',
    description: LOGOUT_DESCRIPTION,
  })
  @ApiLogout(
    'a link followed from another site while signed in: a "Sign out?" page whose button posts `POST /logout` (nothing is revoked or cleared)',
  )
  async logoutByGet(@Req() request: HttpRequest, @Res() response: unknown): Promise<void> {
    if (fromAnotherSite(request.headers, this.origin)) this.askFirst(request, response);
    else await this.logout(request, response);
  }

  /** A sign-out link followed from another site ends nothing by itself. */
  private askFirst(request: HttpRequest, response: unknown): void {
    if (extractCredential(request.headers) !== null) {
      sendSignOutPage(this.adapterHost.httpAdapter, response, this.config, {
        method: 'post',
        action: `${this.config.serverUrl}/logout`,
      });
      return;
    }
    // Nothing to end (e.g. the provider's redirect after /oauth/logout ended it): the usual
    // answer, without touching cookies, which another site must not be able to clear.
    this.signedOut(request, response);
  }

  private async logout(request: HttpRequest, response: unknown): Promise<void> {
    await this.sessions.logout(request.headers, requestInfo(request, this.config.trustProxy));
    setCookies(response, clearedCookies(this.config));
    this.signedOut(request, response);
  }

  private signedOut(request: HttpRequest, response: unknown): void {
    const { httpAdapter } = this.adapterHost;
    if (wantsJson(request.headers)) {
      httpAdapter.reply(response, { loggedOut: true }, 200);
    } else {
      httpAdapter.redirect(response, 303, `${this.config.serverUrl}/`);
    }
  }
}
