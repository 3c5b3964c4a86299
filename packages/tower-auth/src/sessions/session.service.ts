import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { AuthError } from '../common/auth-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RequestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { extractCredential } from '../guards/credential.js';
import { KeyRing } from '../tokens/key-ring.js';
import { TokenService, type AccessClaims, type Role } from '../tokens/token.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UserRepository } from '../users/user.repository.js';
import { newRefreshToken } from './refresh-token.js';
import { SessionRefresh } from './session-refresh.js';
import { RevocationService } from './revocation.service.js';
import type { SessionKind } from './session.entity.js';
import { SessionRepository } from './session.repository.js';
import { SESSION_ID } from '../common/ids.js';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds. */
  expiresIn: number;
  sessionId: string;
  user: UserEntity;
  roles: Role[];
}

/**
 * Sessions and their refresh-token families: started at login, refreshed by the
 * rules of SessionRefresh (rotation, grace window, reuse detection, sliding idle expiry and an
 * absolute cap), ended by logout, an admin or the job that launched them.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationService,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly refresher: SessionRefresh,
    private readonly keys: KeyRing,
  ) {}

  /**
   * The one way a login becomes a session; every login provider calls it. A `job` session is
   * the one a launched job refreshes (LaunchCredentialsService): same rules, shown as such.
   */
  async startSession(
    user: UserEntity,
    provider: string,
    request: RequestInfo,
    options: { kind?: SessionKind } = {},
  ): Promise<IssuedTokens> {
    const kind = options.kind ?? 'browser';
    const now = this.clock.now();
    const refreshToken = newRefreshToken();
    const absolute = now + this.config.auth.sessionMaxLifetime * 1000;
    const session = {
      id: randomUUID(),
      userId: user.id,
      provider,
      kind,
      refreshHash: this.keys.refreshChain.hash(refreshToken),
      idleExpiresAt: new Date(
        Math.min(now + this.config.auth.refreshTokenExpiration * 1000, absolute),
      ),
      absoluteExpiresAt: new Date(absolute),
      ...request,
    };
    await this.sessions.insert(session);
    await this.users.touchLastAccess(user.id, new Date(now));
    this.audit.record({
      type: kind === 'job' ? 'job_session_started' : 'login_success',
      userId: user.id,
      provider,
      ipAddress: request.ipAddress,
      ...(kind === 'job' ? { detail: { sessionId: session.id } } : {}),
    });
    return this.issue(user, session.id, refreshToken, now);
  }

  async refresh(refreshToken: string, request: RequestInfo): Promise<IssuedTokens> {
    const now = this.clock.now();
    const granted = await this.refresher.run(refreshToken, now, request);
    if (!granted) throw invalidGrant();
    return this.issue(granted.user, granted.sessionId, granted.refreshToken, now);
  }

  /**
   * Logout: ends the session named by the request's access token (cookie or Bearer; expired is
   * fine, a signed token still names its session) and audits it. Returns the provider the
   * session was started with, or null when the request names no session of ours.
   */
  async logout(
    headers: Record<string, string | string[] | undefined>,
    request: RequestInfo,
  ): Promise<{ provider: string | null } | null> {
    const credential = extractCredential(headers);
    let claims: AccessClaims;
    try {
      claims = this.tokens.verifyFirst(credential?.tokens ?? [], { allowExpired: true });
    } catch {
      return null;
    }
    const session = await this.sessions.findById(claims.sid);
    if (await this.revoke(claims.sid, 'logout')) {
      this.audit.record({
        type: 'logout',
        userId: claims.sub,
        provider: session?.provider ?? null,
        ipAddress: request.ipAddress,
        detail: { sessionId: claims.sid },
      });
    }
    return { provider: session?.provider ?? null };
  }

  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const revoked = await this.sessions.revoke(sessionId, reason, new Date(this.clock.now()));
    this.revocations.markRevoked(sessionId);
    return revoked;
  }

  /**
   * Ends one session by its id (an admin, or a host when the job it launched has finished) and
   * audits it; its access tokens stop on every instance within a second. False when there is
   * no such live session.
   */
  async revokeById(
    sessionId: string,
    reason: string,
    by: { userId?: string | null; ipAddress?: string | null } = {},
  ): Promise<boolean> {
    const row = SESSION_ID.test(sessionId) ? await this.sessions.findById(sessionId) : null;
    if (!row || !(await this.revoke(sessionId, reason))) return false;
    this.audit.record({
      type: 'session_revoked',
      userId: row.userId,
      provider: row.provider,
      ipAddress: by.ipAddress ?? null,
      detail: { reason, sessionId, kind: row.kind, ...(by.userId ? { by: by.userId } : {}) },
    });
    return true;
  }

  async revokeAllForUser(userId: string, reason: string): Promise<number> {
    const ids = await this.sessions.revokeAllForUser(userId, reason, new Date(this.clock.now()));
    for (const id of ids) this.revocations.markRevoked(id);
    if (ids.length > 0)
      this.audit.record({ type: 'session_revoked', userId, detail: { reason, count: ids.length } });
    return ids.length;
  }

  /**
   * Root is decided at every issue, so a change of TOWER_ROOT_USERS applies at the next refresh.
   * An e-mail entry needs an address the user holds and has proven.
   */
  rolesFor(user: Pick<UserEntity, 'id' | 'email' | 'emailVerified' | 'emailClaimed'>): Role[] {
    const root = this.config.rootUsers;
    const provenEmail = user.emailVerified && user.emailClaimed;
    const isRoot =
      root.includes(user.id) || (provenEmail && root.includes(user.email.toLowerCase()));
    return isRoot ? ['user', 'root'] : ['user'];
  }

  private issue(
    user: UserEntity,
    sessionId: string,
    refreshToken: string,
    now: number,
  ): IssuedTokens {
    const roles = this.rolesFor(user);
    const accessToken = this.tokens.sign(
      { userId: user.id, sessionId, roles, email: user.email },
      now,
    );
    return {
      accessToken,
      refreshToken,
      expiresIn: this.tokens.accessLifetime,
      sessionId,
      user,
      roles,
    };
  }
}

/** The token endpoint's RFC 6749 refusal; it never holds the token. */
function invalidGrant(): AuthError {
  return new AuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
}
