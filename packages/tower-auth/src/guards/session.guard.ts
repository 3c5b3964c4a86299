import {
  ForbiddenException,
  Inject,
  Injectable,
  Optional,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isAuthError, type AuthError } from '../common/auth-error.js';
import type { HttpRequest } from '../common/http-request.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { ACCESS_RULE, type AccessRule } from '../decorators/access.decorator.js';
import { AccessTokenService } from '../access-tokens/access-token.service.js';
import { looksLikeAccessKey } from '../access-tokens/access-key.js';
import { attachPrincipal, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { CREDENTIAL_RULE, type CredentialRule } from '../decorators/session-only.decorator.js';
import { ORIGIN_RULE, type OriginRule } from '../decorators/same-origin.decorator.js';
import { TOKEN_REFUSED } from '../http/error-responses.js';
import {
  AUTH_METRICS,
  NO_METRICS,
  type AuthMetrics,
  type GuardRefusal,
} from '../observability/auth-metrics.js';
import { RevocationService } from '../sessions/revocation.service.js';
import { TokenService, type AccessClaims } from '../tokens/token.service.js';
import {
  CONTEXT_CREDENTIAL,
  type ContextCredential,
  type ContextCredentialExtractor,
} from './context-credential.js';
import { extractCredential, passesOriginCheck } from './credential.js';

const CROSS_SITE_REFUSED = 'Cross-site request refused';
const SESSION_ONLY = 'Personal access tokens are not accepted here: sign in with a browser';

/** An HTTP request as the guard sees it: routed, so its method is known. */
type GuardedRequest = HttpRequest & { method: string };
type Headers = HttpRequest['headers'];

/** What a handler declares: its access rule, and whether only our own pages may send it. */
export interface RouteRules {
  /** None: signed-in users (as `@Authenticated()`). */
  access: AccessRule | undefined;
  sameOrigin: boolean;
  /** @SessionOnly(): personal access tokens get 403. */
  sessionOnly: boolean;
}

/** A handler's rules, else its controller's: what the guard enforces and the document states. */
export function routeRules(reflector: Reflector, handler: object, controller: object): RouteRules {
  const targets = [handler, controller] as (() => void)[];
  const rule = <T>(key: string): T | undefined =>
    reflector.getAllAndOverride<T | undefined>(key, targets);
  return {
    access: rule<AccessRule>(ACCESS_RULE),
    sameOrigin: rule<OriginRule>(ORIGIN_RULE) === 'same-origin',
    sessionOnly: rule<CredentialRule>(CREDENTIAL_RULE) === 'session',
  };
}

/**
 * The global guard: every route needs a valid access token unless it is @Public(). No
 * database read: the token is verified in memory and revocation comes from the
 * LISTEN/NOTIFY-fed set. A personal access token (`tat_…`) is verified from memory too once
 * this instance has read it: only its first request here waits for one database read.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly serverOrigin: string;
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationService,
    private readonly accessTokens: AccessTokenService,
    @Inject(TOWER_CONFIG) config: TowerConfig,
    @Optional()
    @Inject(CONTEXT_CREDENTIAL)
    private readonly contextCredential?: ContextCredentialExtractor | null,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {
    this.serverOrigin = new URL(config.serverUrl).origin;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    try {
      const admitted = this.check(context);
      if (!(admitted instanceof Promise)) return admitted;
      return admitted.catch((error: unknown) => {
        this.metrics.guardRefusal(refusalOf(error));
        throw error;
      });
    } catch (error) {
      this.metrics.guardRefusal(refusalOf(error));
      throw error;
    }
  }

  private check(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.rulesOf(context);
    if (context.getType() !== 'http') {
      return rules.access === 'public' || this.activateOther(context, rules);
    }
    if (rules.access === 'public' && !rules.sameOrigin) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // Before anything else, credential or not: a refused request must change nothing.
    if (rules.sameOrigin && !passesOriginCheck(request.method, request.headers, this.serverOrigin))
      throw new ForbiddenException(CROSS_SITE_REFUSED);
    if (rules.access === 'public') return true;
    const principal = this.authenticate(request.headers, request);
    return principal instanceof Promise
      ? principal.then((found) => this.admit(request, found, rules))
      : this.admit(request, principal, rules);
  }

  private admit(request: GuardedRequest, principal: AuthPrincipal, rules: RouteRules): boolean {
    if (
      principal.via === 'cookie' &&
      !passesOriginCheck(request.method, request.headers, this.serverOrigin)
    ) {
      throw new ForbiddenException(CROSS_SITE_REFUSED);
    }
    this.checkRules(principal, rules);
    attachPrincipal(request, principal);
    return true;
  }

  private checkRules(principal: AuthPrincipal, rules: RouteRules): void {
    if (rules.sessionOnly && principal.credential !== 'session')
      throw new ForbiddenException(SESSION_ONLY);
    if (rules.access === 'root' && !principal.isRoot)
      throw new ForbiddenException('Root users only');
  }

  /**
   * GraphQL, WebSocket and RPC calls carry no HTTP request of their own: without a host
   * extractor that says where their credential is, they are refused rather than let through.
   * There is no Origin check: browsers do not make such calls cross-site with cookies.
   */
  private activateOther(context: ExecutionContext, rules: RouteRules): boolean | Promise<boolean> {
    const found: ContextCredential | null | undefined = this.contextCredential?.(context);
    if (!found) throw new UnauthorizedException('Authentication required');
    const admit = (principal: AuthPrincipal): boolean => {
      this.checkRules(principal, rules);
      attachPrincipal(found.holder, principal);
      return true;
    };
    const principal = this.authenticate(found.headers);
    return principal instanceof Promise ? principal.then(admit) : admit(principal);
  }

  /**
   * The handler's rules, else its controller's. Metadata is fixed once the app is built, so it
   * is read once per handler instead of on every request.
   */
  private rulesOf(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    const controller = context.getClass();
    // Keyed by controller too: an inherited handler may sit under controllers with other rules.
    let known = this.rules.get(controller);
    if (!known) this.rules.set(controller, (known = new WeakMap()));
    const cached = known.get(handler);
    if (cached) return cached;
    const rules = routeRules(this.reflector, handler, controller);
    known.set(handler, rules);
    return rules;
  }

  private accessKeyPrincipal(
    key: string,
    request?: HttpRequest,
  ): AuthPrincipal | Promise<AuthPrincipal> {
    const refuse = (error: unknown): never => {
      throw isAuthError(error) ? unauthorized(error) : error;
    };
    try {
      const found = this.accessTokens.authenticate(key, request);
      return found instanceof Promise ? found.catch(refuse) : found;
    } catch (error) {
      return refuse(error);
    }
  }

  private authenticate(
    headers: Headers,
    request?: HttpRequest,
  ): AuthPrincipal | Promise<AuthPrincipal> {
    const credential = extractCredential(headers);
    if (!credential) throw new UnauthorizedException('Authentication required');
    // A personal access token comes in a header only (Bearer, or Basic with the user @token).
    if (credential.via === 'bearer' && looksLikeAccessKey(credential.tokens[0]))
      return this.accessKeyPrincipal(credential.tokens[0], request);
    let claims: AccessClaims;
    try {
      claims = this.tokens.verifyFirst(credential.tokens);
    } catch (error) {
      if (!isAuthError(error)) throw error;
      throw unauthorized(error);
    }
    if (this.revocations.isRevoked(claims.sid)) throw new UnauthorizedException('Session revoked');
    return {
      userId: claims.sub,
      email: claims.email ?? null,
      sessionId: claims.sid,
      tokenId: null,
      roles: claims.roles,
      isRoot: claims.roles.includes('root'),
      credential: 'session',
      via: credential.via,
    };
  }
}

/**
 * A token the services refused, as the guard's own 401 with the message the error table gives
 * its code: GraphQL and RPC callers know an UnauthorizedException, and the HTTP answer is the
 * same one.
 */
function unauthorized(refusal: AuthError): UnauthorizedException {
  const { expired, invalid } = TOKEN_REFUSED;
  return new UnauthorizedException(refusal.code === 'token_expired' ? expired : invalid);
}

const REFUSALS: Record<string, GuardRefusal> = {
  'Authentication required': 'missing',
  [TOKEN_REFUSED.expired]: 'expired',
  [TOKEN_REFUSED.invalid]: 'invalid',
  'Session revoked': 'revoked',
  [CROSS_SITE_REFUSED]: 'cross_site',
  'Root users only': 'root_only',
  [SESSION_ONLY]: 'session_only',
};

/** The refusal's kind, from the guard's own fixed messages: a bounded metric label. */
function refusalOf(error: unknown): GuardRefusal {
  return (error instanceof Error && REFUSALS[error.message]) || 'other';
}
