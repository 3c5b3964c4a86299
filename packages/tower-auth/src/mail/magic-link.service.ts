import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AllowListService } from '../allow-list/allow-list.service.js';
import { AuditService } from '../audit/audit.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RequestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import { AccountService } from '../users/account.service.js';
import { maskEmail } from '../users/email.js';
import type { UserEntity } from '../users/user.entity.js';
import { UserRepository } from '../users/user.repository.js';
import { MagicLinkRepository } from './magic-link.repository.js';
import { KeyRing } from '../tokens/key-ring.js';
import type { OutboxCipher } from './outbox-cipher.js';
import { OutboxWorker, type OutboxPayload } from './outbox-worker.service.js';
import { signInMail } from './sign-in-mail.js';
import { BIGINT_ID } from '../common/ids.js';
import { hashToken } from '../common/token-hash.js';

export type LinkRequestOutcome =
  { readonly kind: 'accepted' } | { readonly kind: 'rate_limited'; readonly retryAfter: number };

export type RedeemOutcome =
  | { readonly kind: 'redeemed'; readonly user: UserEntity }
  | { readonly kind: 'refused'; readonly code: 'invalid_link' | 'not_allowed' };

/** 32 random bytes, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** A user id as the link carries it; 18 digits at most, so it always fits a bigint. */

/**
 * Magic links: issuing one (rate limits, allow list, user on first use,
 * token hash and sealed e-mail committed together) and redeeming one (consumed atomically,
 * once). An address that is refused gets the same answer as one that is admitted, after the
 * same kind of database work, and no e-mail.
 */
@Injectable()
export class MagicLinkService {
  private readonly cipher: OutboxCipher;

  constructor(
    private readonly accounts: AccountService,
    private readonly users: UserRepository,
    private readonly allowList: AllowListService,
    private readonly rateLimits: RateLimitService,
    private readonly links: MagicLinkRepository,
    private readonly worker: OutboxWorker,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    keys: KeyRing,
  ) {
    this.cipher = keys.outbox;
  }

  /** `email` is already normalised (normaliseEmail). */
  async request(email: string, request: RequestInfo): Promise<LinkRequestOutcome> {
    const limited = await this.overLimit(email, request);
    if (limited) return limited;
    const ipAddress = request.ipAddress;
    if (!this.allowList.admits('email', email)) {
      await this.links.rehearse(email);
      this.audit.record({
        type: 'magic_link_refused',
        ipAddress,
        detail: { reason: 'allow_list' },
      });
      return { kind: 'accepted' };
    }
    const user = await this.accounts.userForEmail(email);
    if (!user || user.status !== 'active') {
      this.audit.record({
        type: 'magic_link_refused',
        userId: user?.id ?? null,
        ipAddress,
        detail: { reason: user ? 'disabled' : 'invalid_address' },
      });
      return { kind: 'accepted' };
    }
    await this.issue(user, ipAddress);
    this.audit.record({
      type: 'magic_link_requested',
      userId: user.id,
      provider: 'email',
      ipAddress,
    });
    return { kind: 'accepted' };
  }

  /** Consumes the link; of many concurrent calls with one token exactly one is `redeemed`. */
  async redeem(userId: string, token: string, request: RequestInfo): Promise<RedeemOutcome> {
    const now = new Date(this.clock.now());
    const consumed = isLinkShaped(userId, token)
      ? await this.links.consume(hashToken(token), userId, now)
      : null;
    const user = consumed === null ? null : await this.accounts.confirmEmailLogin(consumed, now);
    if (!user) return this.refuse('invalid_link', 'invalid_link', null, request);
    if (user.status !== 'active') return this.refuse('not_allowed', 'disabled', user.id, request);
    if (!this.allowList.admits('email', user.email)) {
      return this.refuse('not_allowed', 'allow_list', user.id, request);
    }
    this.audit.record({
      type: 'magic_link_redeemed',
      userId: user.id,
      provider: 'email',
      ipAddress: request.ipAddress,
    });
    return { kind: 'redeemed', user };
  }

  /**
   * For the confirmation page: the masked address of a link that would work now, else null.
   * Reads only, so a mail scanner fetching the link consumes nothing, and an id without its
   * token reveals nothing.
   */
  async confirmation(userId: string, token: string): Promise<string | null> {
    if (!isLinkShaped(userId, token)) return null;
    const now = new Date(this.clock.now());
    if (!(await this.links.isRedeemable(hashToken(token), userId, now))) return null;
    const user = await this.users.findById(userId);
    return user ? maskEmail(user.email) : null;
  }

  /** Both limits in one statement; the client's counts even when the address is over its own. */
  private async overLimit(email: string, request: RequestInfo): Promise<LinkRequestOutcome | null> {
    const { rateLimit } = this.config.auth;
    const scopes = ['client', 'email'] as const;
    const outcomes = await this.rateLimits.hitAll([
      { key: `gate-client:${request.ipAddress ?? 'unknown'}`, limit: rateLimit.client },
      { key: `gate-email:${email}`, limit: rateLimit.email },
    ]);
    const refused = scopes
      .map((scope, i) => ({ scope, ...outcomes[i] }))
      .filter((outcome) => !outcome.allowed);
    if (refused.length === 0) return null;
    this.audit.record({
      type: 'magic_link_rate_limited',
      ipAddress: request.ipAddress,
      detail: Object.fromEntries(refused.map((r) => [r.scope, r.count])),
    });
    return { kind: 'rate_limited', retryAfter: Math.max(...refused.map((r) => r.retryAfter)) };
  }

  private async issue(user: UserEntity, ipAddress: string | null): Promise<void> {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const mail = signInMail({
      appName: this.config.appName,
      serverUrl: this.config.serverUrl,
      to: user.email,
      userId: user.id,
      token,
      validity: this.config.auth.mailDuration,
    });
    const payload: OutboxPayload = { mail, userId: user.id };
    await this.links.insertWithMail(
      {
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(now + this.config.auth.mailDuration * 1000),
        ipAddress,
      },
      { recipient: user.email, payload: this.cipher.seal(JSON.stringify(payload), user.email) },
      new Date(now),
    );
    this.worker.wake();
  }

  private refuse(
    code: 'invalid_link' | 'not_allowed',
    reason: string,
    userId: string | null,
    request: RequestInfo,
  ): RedeemOutcome {
    this.audit.record({
      type: 'login_failure',
      userId,
      provider: 'email',
      ipAddress: request.ipAddress,
      detail: { reason },
    });
    return { kind: 'refused', code };
  }
}

function isLinkShaped(userId: string, token: string): boolean {
  return BIGINT_ID.test(userId) && TOKEN.test(token);
}
