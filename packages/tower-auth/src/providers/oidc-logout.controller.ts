import { Controller, Get, Inject, Logger, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiSecurity, ApiTags } from '../http/openapi.metadata.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { fromAnotherSite } from '../guards/credential.js';
import { clearedCookies } from '../http/cookies.js';
import type { HttpRequest } from '../common/http-request.js';
import { noStore, setCookies } from '../http/http-response.js';
import { ApiContent, ApiRedirect, SESSION_COOKIES_CLEARED } from '../http/openapi.decorators.js';
import { sendSignOutPage } from '../pages/sign-out-page.js';
import { SessionService } from '../sessions/session.service.js';
import { describeProviderError } from './oauth-client.js';
import { LogoutHintCookie } from './logout-hint.js';
import { ProviderRegistry } from './provider-registry.js';

/**
 * `GET /oauth/logout`: ends the session here like `/logout`, then sends the browser to the
 * OIDC provider's `end_session_endpoint` (when it has one) with
 * `post_logout_redirect_uri=${serverUrl}/logout`, so the provider session ends too. A session
 * that did not come from the OIDC provider just goes to `/`. A link followed from another site
 * ends nothing (neither here nor at the provider, which the sealed id_token hint would let it
 * do silently): it gets a "Sign out?" page whose button repeats the request from this origin.
 */
@Controller('oauth/logout')
@Public()
@ApiTags('sessions')
export class OidcLogoutController {
  private readonly logger = new Logger('OidcLogout');
  private readonly origin: string;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly logoutHints: LogoutHintCookie,
    private readonly sessions: SessionService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {
    this.origin = new URL(config.serverUrl).origin;
  }

  @Get()
  @ApiOperation({
    summary: 'Sign out here and at the OpenID Connect provider',
    description:
      "Ends the session like `/logout`, then sends the browser to the provider's `end_session_endpoint` with `post_logout_redirect_uri=${serverUrl}/logout`. A session from another provider just goes to `/`.",
  })
  @ApiSecurity(['bearer', 'accessCookie'], { optional: true })
  @ApiRedirect(
    'Signed out; both cookies cleared',
    "The provider's end-session URL, or `${serverUrl}/`",
    SESSION_COOKIES_CLEARED,
  )
  @ApiContent(
    200,
    'A link followed from another site: a "Sign out?" page whose button repeats this request from this origin; nothing is ended',
    ['text/html'],
  )
  async logout(@Req() request: HttpRequest, @Res() response: unknown): Promise<void> {
    if (fromAnotherSite(request.headers, this.origin)) {
      sendSignOutPage(this.adapterHost.httpAdapter, response, this.config, {
        method: 'get',
        action: `${this.config.serverUrl}/oauth/logout`,
      });
      return;
    }
    const loggedInWith = await this.endSession(request);
    const hint = this.logoutHints.read(request.headers.cookie);
    setCookies(response, [...clearedCookies(this.config), ...this.logoutHints.cleared()]);
    noStore(response);
    const target =
      loggedInWith === null || loggedInWith === 'oidc' ? await this.providerLogout(hint) : null;
    this.adapterHost.httpAdapter.redirect(response, 303, target ?? `${this.config.serverUrl}/`);
  }

  /** Revokes the session the request names; returns the provider it was started with. */
  private async endSession(request: HttpRequest): Promise<string | null> {
    const ended = await this.sessions.logout(
      request.headers,
      requestInfo(request, this.config.trustProxy),
    );
    return ended?.provider ?? null;
  }

  private async providerLogout(idTokenHint: string | null): Promise<string | null> {
    const oidc = this.registry.get('oidc');
    if (!oidc?.endSessionUrl) return null;
    try {
      const url = await oidc.endSessionUrl(`${this.config.serverUrl}/logout`, idTokenHint);
      return url?.href ?? null;
    } catch (error) {
      this.logger.warn(`No provider sign-out: ${describeProviderError(error)}`);
      return null;
    }
  }
}
