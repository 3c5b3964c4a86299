import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthError, isAuthError } from '../common/auth-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { BIGINT_ID, SESSION_ID } from '../common/ids.js';
import { KeyRing } from './key-ring.js';

export type Role = 'user' | 'root';

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Session id. */
  sid: string;
  roles: Role[];
  /** The user's e-mail when the token was issued (absent in tokens of older versions). */
  email?: string;
  iat: number;
  exp: number;
}

/** Longer than any token we issue; refused before any parsing. */
const MAX_TOKEN_LENGTH = 2048;
/** How long past `exp` (and before `nbf`) a token is still accepted. */
export const CLOCK_SKEW_S = 30;
/** An e-mail address is at most 254 characters (RFC 5321); anything longer is not ours. */
const MAX_EMAIL_CLAIM = 320;
const VERIFIED_CACHE_SIZE = 10_000;
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * HS256 access tokens, under the KeyRing's KeyObject: a string secret would be
 * re-imported on every verify (~0.5 ms each).
 */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly lifetime: number;
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    @Inject(TOWER_CONFIG) config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    keys: KeyRing,
  ) {
    this.issuer = config.appName;
    this.audience = config.serverUrl;
    this.lifetime = config.auth.accessTokenExpiration;
    this.jwt = new JwtService({
      secret: keys.accessTokens,
      signOptions: { algorithm: 'HS256', issuer: this.issuer, audience: this.audience },
      verifyOptions: {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: CLOCK_SKEW_S,
      },
    });
  }

  get accessLifetime(): number {
    return this.lifetime;
  }

  sign(
    subject: { userId: string; sessionId: string; roles: Role[]; email?: string | null },
    now = this.clock.now(),
  ): string {
    const iat = Math.floor(now / 1000);
    const email = subject.email ? { email: subject.email } : {};
    return this.jwt.sign(
      {
        sub: subject.userId,
        sid: subject.sessionId,
        roles: subject.roles,
        ...email,
        iat,
        nbf: iat,
      },
      { expiresIn: this.lifetime },
    );
  }

  /**
   * Throws AuthError (`token_malformed`, `token_invalid`, `token_expired`) for anything but a
   * valid, unexpired access token of ours. Logout passes `allowExpired`: a signed token still
   * names the session to end.
   */
  verify(token: string, options: { allowExpired?: boolean } = {}): AccessClaims {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('token_malformed');
    const now = Math.floor(this.clock.now() / 1000);
    // Only tokens that passed every check are remembered: a hit needs no shape test.
    const known = this.verified.get(token);
    if (known && now < known.exp + CLOCK_SKEW_S && now >= known.iat - CLOCK_SKEW_S) return known;
    if (!JWS_SHAPE.test(token)) throw new AuthError('token_malformed');
    const claims = this.verifySignature(token, now, options.allowExpired === true);
    if (!options.allowExpired) this.remember(token, claims);
    return claims;
  }

  /**
   * The claims of the first candidate that verifies (a browser sends every `JWT` cookie whose
   * domain and path match): the guard and logout read a credential the same way. Throws the last
   * candidate's AuthError when none does.
   */
  verifyFirst(tokens: readonly string[], options: { allowExpired?: boolean } = {}): AccessClaims {
    // Made only when every candidate failed: an Error captures a stack, costly on a hot path.
    let failure: AuthError | null = null;
    for (const token of tokens) {
      try {
        return this.verify(token, options);
      } catch (error) {
        if (!isAuthError(error)) throw error;
        failure = error;
      }
    }
    throw failure ?? new AuthError('token_malformed');
  }

  /**
   * Sessions named by tokens this instance has verified and that are still unexpired: what a
   * revocation listener must re-check after missing notifications (a session deleted while it
   * was disconnected leaves no row to find).
   */
  liveSessionIds(now = this.clock.now()): string[] {
    const seconds = Math.floor(now / 1000);
    const ids = new Set<string>();
    for (const claims of this.verified.values()) {
      if (seconds < claims.exp + CLOCK_SKEW_S) ids.add(claims.sid);
    }
    return [...ids];
  }

  /**
   * A client sends the same token for up to an hour: the result of checking its signature
   * is kept (keyed by the whole token, bounded, oldest dropped first), so the guard's cost
   * on the hot path is a map lookup. Expiry is still checked on every use.
   */
  private remember(token: string, claims: AccessClaims): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
  }

  private verifySignature(token: string, now: number, allowExpired: boolean): AccessClaims {
    let payload: unknown;
    try {
      payload = this.jwt.verify<object>(token, {
        clockTimestamp: now,
        ignoreExpiration: allowExpired,
      });
    } catch (error) {
      const expired = error instanceof Error && error.name === 'TokenExpiredError';
      throw new AuthError(expired ? 'token_expired' : 'token_invalid');
    }
    return checkClaims(payload);
  }
}

function checkClaims(payload: unknown): AccessClaims {
  const claims = payload as Partial<Record<keyof AccessClaims | 'nbf', unknown>>;
  const roles = claims.roles;
  const valid =
    typeof claims.sub === 'string' &&
    BIGINT_ID.test(claims.sub) &&
    typeof claims.sid === 'string' &&
    SESSION_ID.test(claims.sid) &&
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    typeof claims.nbf === 'number' &&
    Array.isArray(roles) &&
    roles.includes('user') &&
    roles.every((r) => r === 'user' || r === 'root') &&
    (claims.email === undefined ||
      (typeof claims.email === 'string' && claims.email.length <= MAX_EMAIL_CLAIM));
  if (!valid) throw new AuthError('token_invalid');
  return Object.freeze({
    sub: claims.sub as string,
    sid: claims.sid as string,
    roles: Object.freeze([...(roles as Role[])]) as Role[],
    ...(claims.email === undefined ? {} : { email: claims.email as string }),
    iat: claims.iat as number,
    exp: claims.exp as number,
  });
}
