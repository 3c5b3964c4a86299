import { Inject, Injectable, Optional } from '@nestjs/common';
import { auditRow, AuditService } from '../audit/audit.service.js';
import type { RequestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import {
  AUTH_METRICS,
  NO_METRICS,
  type AuthMetrics,
  type RefreshResult,
} from '../observability/auth-metrics.js';
import { KeyRing } from '../tokens/key-ring.js';
import type { UserEntity } from '../users/user.entity.js';
import {
  decideRefresh,
  type RefreshDecision,
  type RefreshPolicy,
  type RefusalReason,
} from './refresh-decision.js';
import { isRefreshTokenShaped, type RefreshChain } from './refresh-token.js';
import { RevocationService } from './revocation.service.js';
import { SessionRepository, type SessionRow } from './session.repository.js';

/** A refresh that succeeded: the session's user and the refresh token to hand back. */
export interface GrantedRefresh {
  user: UserEntity;
  sessionId: string;
  refreshToken: string;
}

type Found = { session: SessionRow; user: UserEntity } | null;
type Presented = { token: string; hash: Buffer };

/** More than a refresh needs: a changed session is read again once, then answered without a write. */
const MAX_ATTEMPTS = 3;
/** How far a stale refresh token is walked forward to find the family it belonged to. */
const REUSE_LOOKAHEAD = 64;

/**
 * The refresh-token rules applied to the database: load the session, decide
 * (`decideRefresh`, no I/O), write what was decided. No transaction is held across the
 * decision: the rotation is one UPDATE conditional on the token still being current, and a
 * refused write is decided again on the row as it now is (it then needs no write).
 */
@Injectable()
export class SessionRefresh {
  private readonly chain: RefreshChain;
  private readonly policy: RefreshPolicy;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocations: RevocationService,
    private readonly audit: AuditService,
    keys: KeyRing,
    @Inject(TOWER_CONFIG) config: TowerConfig,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {
    this.chain = keys.refreshChain;
    this.policy = {
      idleMs: config.auth.refreshTokenExpiration * 1000,
      graceMs: config.auth.refreshGrace * 1000,
    };
  }

  /** The grant, or null when the token is invalid, expired, revoked or reused (all audited). */
  async run(token: string, now: number, request: RequestInfo): Promise<GrantedRefresh | null> {
    if (!isRefreshTokenShaped(token)) {
      this.metrics.refresh('invalid');
      return null;
    }
    const presented = { token, hash: this.chain.hash(token) };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const found = await this.sessions.findByTokenHash(presented.hash);
      const status = found && { session: found.session, userStatus: found.user.status };
      const decision = decideRefresh(status, presented.hash, now, this.policy);
      const outcome = await this.apply(decision, found, presented, now, request);
      if (outcome !== RETRY) return outcome;
    }
    this.metrics.refresh('invalid');
    return null;
  }

  /** Writes what the decision says; RETRY when the session changed since it was read. */
  private async apply(
    decision: RefreshDecision,
    found: Found,
    presented: Presented,
    now: number,
    request: RequestInfo,
  ): Promise<GrantedRefresh | null | typeof RETRY> {
    if (decision.kind === 'stale' || !found) {
      await this.endStaleFamily(presented.token, now, request);
      this.metrics.refresh('invalid');
      return null;
    }
    const { session, user } = found;
    if (decision.kind === 'refused') {
      this.metrics.refresh(REFUSAL_RESULTS[decision.reason]);
      return null;
    }
    if (decision.kind === 'reused') return this.endFamily(session, now, request, RETRY);
    const grant = {
      user,
      sessionId: session.id,
      refreshToken: this.chain.successor(presented.token),
    };
    if (decision.kind === 'grace') {
      this.metrics.refresh('grace');
      return grant;
    }
    const rotated = await this.rotate(
      found,
      presented,
      grant,
      decision.idleExpiresAt,
      now,
      request,
    );
    return rotated ? grant : RETRY;
  }

  /**
   * Makes the grant's token current, with its audit row written by the same statement (one
   * round trip, and no rotation without its row); false when the session changed meanwhile.
   */
  private async rotate(
    { session, user }: NonNullable<Found>,
    presented: Presented,
    grant: GrantedRefresh,
    idleExpiresAt: Date,
    now: number,
    request: RequestInfo,
  ): Promise<boolean> {
    const next = {
      refreshHash: this.chain.hash(grant.refreshToken),
      at: new Date(now),
      idleExpiresAt,
      ...request,
    };
    const event = {
      type: 'refresh',
      userId: user.id,
      provider: session.provider,
      ipAddress: request.ipAddress,
    } as const;
    if (!(await this.sessions.rotate(session.id, presented.hash, next, auditRow(event)))) {
      return false;
    }
    this.audit.recorded(event);
    return true;
  }

  /** An older token than the previous one: find its family and end it. */
  private async endStaleFamily(token: string, now: number, request: RequestInfo): Promise<void> {
    const sessionId = await this.sessions.findLiveByAnyHash(
      this.chain.futureHashes(token, REUSE_LOOKAHEAD),
    );
    const row = sessionId ? await this.sessions.findById(sessionId) : null;
    if (row) await this.endFamily(row, now, request, null);
  }

  /** Revokes a family whose token was reused; `ifAlreadyEnded` when another request did it. */
  private async endFamily<T>(
    row: SessionRow,
    now: number,
    request: RequestInfo,
    ifAlreadyEnded: T,
  ): Promise<null | T> {
    if (!(await this.sessions.revoke(row.id, 'refresh_token_reused', new Date(now))))
      return ifAlreadyEnded;
    this.revocations.markRevoked(row.id);
    this.audit.record({
      type: 'refresh_token_reused',
      userId: row.userId,
      provider: row.provider,
      ipAddress: request.ipAddress,
      detail: { sessionId: row.id },
    });
    return null;
  }
}

const RETRY = Symbol('retry');

const REFUSAL_RESULTS: Record<RefusalReason, RefreshResult> = {
  revoked: 'revoked',
  user_inactive: 'user_inactive',
  idle_expired: 'expired',
  absolute_expired: 'expired',
};
