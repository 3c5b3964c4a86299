import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { AuthError } from '../common/auth-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RequestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { extractCredential } from '../guards/credential.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from '../observability/auth-metrics.js';
import { TokenService, type AccessClaims, type Role } from '../tokens/token.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UserRepository } from '../users/user.repository.js';
import { hashToken, isRefreshTokenShaped, newRefreshToken, RefreshChain } from './refresh-token.js';
import { RevocationService } from './revocation.service.js';
import type { SessionKind } from './session.entity.js';
import { SessionRepository, type SessionRow } from './session.repository.js';
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

/** How far a stale refresh token is walked forward to find the family it belonged to. */
const REUSE_LOOKAHEAD = 64;

/**
 * Sessions and their refresh-token families (SPEC §3): rotation on every refresh, a grace
 * window for the previous token, reuse detection, sliding idle expiry and an absolute cap.
 */
@Injectable()
export class SessionService {
  private readonly chain: RefreshChain;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationService,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {
    this.chain = new RefreshChain(config.jwtSecret);
  }

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
      refreshHash: hashToken(refreshToken),
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
    if (!isRefreshTokenShaped(refreshToken)) {
      this.metrics.refresh('invalid');
      throw invalidGrant();
    }
    const hash = hashToken(refreshToken);
    const now = this.clock.now();
    const outcome = await this.sessions.inTransaction(async (tx) => {
      const found = await this.sessions.lockByTokenHash(tx, hash);
      if (!found) return { kind: 'unknown' as const };
      const { session: row, user } = found;
      if (row.revokedAt || user.status !== 'active') return { kind: 'refused' as const, row };
      if (row.idleExpiresAt.getTime() <= now || row.absoluteExpiresAt.getTime() <= now) {
        return { kind: 'refused' as const, row };
      }
      const next = this.chain.successor(refreshToken);
      if (row.refreshHash.equals(hash)) {
        const idle = Math.min(
          now + this.config.auth.refreshTokenExpiration * 1000,
          row.absoluteExpiresAt.getTime(),
        );
        await this.sessions.rotate(tx, row.id, {
          refreshHash: hashToken(next),
          previousHash: hash,
          at: new Date(now),
          idleExpiresAt: new Date(idle),
          ...request,
        });
        return { kind: 'rotated' as const, row, user, next };
      }
      if (row.rotatedAt && now - row.rotatedAt.getTime() <= this.config.auth.refreshGrace * 1000) {
        return { kind: 'grace' as const, row, user, next };
      }
      await this.sessions.revoke(row.id, 'refresh_token_reused', new Date(now), tx);
      return { kind: 'reused' as const, row };
    });
    switch (outcome.kind) {
      case 'unknown':
        await this.detectStaleReuse(refreshToken, now, request);
        this.metrics.refresh('invalid');
        throw invalidGrant();
      case 'refused':
        this.metrics.refresh('expired');
        throw invalidGrant();
      case 'reused':
        this.onReuse(outcome.row, request);
        throw invalidGrant();
      default:
        if (outcome.kind === 'rotated') {
          const { user, row } = outcome;
          this.audit.record({
            type: 'refresh',
            userId: user.id,
            provider: row.provider,
            ipAddress: request.ipAddress,
          });
        } else this.metrics.refresh('grace');
        return this.issue(outcome.user, outcome.row.id, outcome.next, now);
    }
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
    let claims: AccessClaims | null = null;
    for (const token of extractCredential(headers)?.tokens ?? []) {
      try {
        claims = this.tokens.verify(token, { allowExpired: true });
        break;
      } catch {
        // not one of ours: try the next candidate
      }
    }
    if (!claims) return null;
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

  /** An older token than the previous one: find its family and end it. */
  private async detectStaleReuse(token: string, now: number, request: RequestInfo): Promise<void> {
    const sessionId = await this.sessions.findLiveByAnyHash(
      this.chain.futureHashes(token, REUSE_LOOKAHEAD),
    );
    if (!sessionId) return;
    const row = await this.sessions.findById(sessionId);
    if (row && (await this.sessions.revoke(sessionId, 'refresh_token_reused', new Date(now)))) {
      this.onReuse(row, request);
    }
  }

  private onReuse(row: SessionRow, request: RequestInfo): void {
    this.revocations.markRevoked(row.id);
    this.audit.record({
      type: 'refresh_token_reused',
      userId: row.userId,
      provider: row.provider,
      ipAddress: request.ipAddress,
      detail: { sessionId: row.id },
    });
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
