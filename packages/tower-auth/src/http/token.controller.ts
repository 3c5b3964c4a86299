import { applyDecorators, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from './openapi.metadata.js';
import { AuthError, type OAuthErrorCode } from '../common/auth-error.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SameOriginOnly } from '../decorators/same-origin.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { REFRESH_COOKIE, cookieValues, sessionCookies } from './cookies.js';
import type { HttpRequest } from '../common/http-request.js';
import { noStore, setCookies } from './http-response.js';
import { tokenBody, type TokenResponse } from './login-response.js';
import { OAuthError, RefreshGrant, TokenResponseBody, type Grant } from './http.shapes.js';
import { ApiJson, SESSION_COOKIES_SET } from './openapi.decorators.js';
import { BodyShape } from './shapes.js';

const REFRESH_DESCRIPTION =
  'Call it when a request answers 401. The refresh token comes from the body (form or JSON `grant_type=refresh_token&refresh_token=...`) or, when the body names none, from the `JWT_REFRESH_TOKEN` cookie; an `Authorization` header is ignored. Every refresh rotates the refresh token. Replaying the previous one within 30 seconds returns the same new pair (racing tabs, a lost response); any older one revokes the session.';

function ApiRefreshResponses(): MethodDecorator {
  return applyDecorators(
    ApiJson(
      200,
      'New tokens and both cookies: always 200, never a redirect, whatever `Accept` says',
      TokenResponseBody,
      SESSION_COOKIES_SET,
    ),
    ApiJson(
      400,
      'No refresh token, an unknown, used, expired or revoked one, or another grant type',
      OAuthError,
    ),
  );
}

/** Answered as RFC 6749's `{error, error_description}` (see error-responses.ts). */
function oauthError(code: OAuthErrorCode, description: string): AuthError {
  return new AuthError(code, description);
}

const invalidRequest = (message: string): Error => oauthError('invalid_request', message);

/**
 * The refresh endpoint Nextflow's token manager and the browser heartbeat use.
 * Public: a stale Bearer header that comes along is ignored. Success is always 200 with both
 * cookies and the JSON body, never a redirect.
 */
@Controller('oauth/access_token')
@Public()
@ApiTags('sessions')
export class TokenController {
  constructor(
    private readonly sessions: SessionService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Post()
  @SameOriginOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refresh the session (Nextflow, API clients)',
    description: REFRESH_DESCRIPTION,
  })
  @ApiSecurity(['refreshCookie'], { optional: true })
  @ApiRefreshResponses()
  refreshByPost(
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: unknown,
    @BodyShape(RefreshGrant, { required: false, failure: invalidRequest }) grant: Grant,
  ): Promise<TokenResponse> {
    return this.refresh(request, response, grant);
  }

  @Get()
  @ApiOperation({
    summary: 'Refresh with the cookie (the browser heartbeat)',
    description: 'What the login page calls every `heartbeatInterval` seconds while it is open.',
  })
  @ApiSecurity(['refreshCookie'])
  @ApiRefreshResponses()
  refreshByCookie(
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<TokenResponse> {
    return this.refresh(request, response, {});
  }

  private async refresh(
    request: HttpRequest,
    response: unknown,
    grant: Grant,
  ): Promise<TokenResponse> {
    if (grant.grant_type != null && grant.grant_type !== 'refresh_token') {
      throw oauthError('unsupported_grant_type', 'Only grant_type=refresh_token is supported');
    }
    const token = grant.refresh_token || cookieValues(request.headers.cookie, REFRESH_COOKIE)[0];
    if (!token) throw oauthError('invalid_request', 'A refresh_token is required');
    const issued = await this.sessions.refresh(token, requestInfo(request, this.config.trustProxy));
    setCookies(response, sessionCookies(this.config, issued.accessToken, issued.refreshToken));
    noStore(response);
    return tokenBody(issued);
  }
}
