import { Controller, Get, Inject, Logger, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuditService } from '../audit/audit.service.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { extractCredential } from '../guards/credential.js';
import { clearedCookies } from '../http/cookies.js';
import { noStore, setCookies } from '../http/http-response.js';
import { routes } from '../http/routes.js';
import { SessionRepository } from '../sessions/session.repository.js';
import { SessionService } from '../sessions/session.service.js';
import { TokenService, type AccessClaims } from '../tokens/token.service.js';
import { describeError } from './oauth-client.js';
import { LogoutHintCookie } from './logout-hint.js';
import { ProviderRegistry } from './provider-registry.js';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * `GET /oauth/logout`: ends the session here like `/logout`, then sends the browser to the
 * OIDC provider's `end_session_endpoint` (when it has one) with
 * `post_logout_redirect_uri=${serverUrl}/logout`, so the provider session ends too. A session
 * that did not come from the OIDC provider just goes to `/`.
 */
@Controller(routes('oauth/logout'))
@Public()
export class OidcLogoutController {
  private readonly logger = new Logger('OidcLogout');

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly logoutHints: LogoutHintCookie,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly sessionRows: SessionRepository,
    private readonly audit: AuditService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get()
  async logout(@Req() request: HttpRequest, @Res() response: unknown): Promise<void> {
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
    const claims = this.claimsOf(request);
    if (!claims) return null;
    const session = await this.sessionRows.findById(claims.sid);
    if (await this.sessions.revoke(claims.sid, 'logout')) {
      this.audit.record({
        type: 'logout',
        userId: claims.sub,
        provider: session?.provider ?? null,
        ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
        detail: { sessionId: claims.sid },
      });
    }
    return session?.provider ?? null;
  }

  private async providerLogout(idTokenHint: string | null): Promise<string | null> {
    const oidc = this.registry.get('oidc');
    if (!oidc?.endSessionUrl) return null;
    try {
      const url = await oidc.endSessionUrl(`${this.config.serverUrl}/logout`, idTokenHint);
      return url?.href ?? null;
    } catch (error) {
      this.logger.warn(`No provider sign-out: ${describeError(error)}`);
      return null;
    }
  }

  private claimsOf(request: HttpRequest): AccessClaims | null {
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
