import type { UserStatus } from '../users/user.entity.js';

/** What a refresh decision reads of the session row holding the presented token's hash. */
export interface RefreshableSession {
  refreshHash: Buffer;
  rotatedAt: Date | null;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  revokedAt: Date | null;
}

export interface RefreshPolicy {
  /** How long a refresh token stays usable unless it is used (ms). */
  idleMs: number;
  /** How long after a rotation the previous token still gets the same new one (ms). */
  graceMs: number;
}

export type RefusalReason = 'revoked' | 'user_inactive' | 'idle_expired' | 'absolute_expired';

/**
 * - `stale`: no session holds the hash as current or previous: an older token of a family
 *   (reuse, its family must end) or not ours at all.
 * - `refused`: the session cannot be refreshed any more; nothing changes.
 * - `rotate`: the current token: its successor becomes current, the idle expiry slides.
 * - `grace`: the previous token, replayed within the grace window: the same successor again.
 * - `reused`: the previous token after the grace window: the family is revoked.
 */
export type RefreshDecision =
  | { kind: 'stale' }
  | { kind: 'refused'; reason: RefusalReason }
  | { kind: 'rotate'; idleExpiresAt: Date }
  | { kind: 'grace' }
  | { kind: 'reused' };

/**
 * The refresh rules on one loaded session (or none) and its user's status: no I/O,
 * so every branch is unit-tested and the caller only loads, decides and writes.
 */
export function decideRefresh(
  found: { session: RefreshableSession; userStatus: UserStatus } | null,
  presentedHash: Buffer,
  now: number,
  policy: RefreshPolicy,
): RefreshDecision {
  if (!found) return { kind: 'stale' };
  const { session, userStatus } = found;
  const refusal = refusalOf(session, userStatus, now);
  if (refusal) return { kind: 'refused', reason: refusal };
  if (session.refreshHash.equals(presentedHash)) {
    const cap = session.absoluteExpiresAt.getTime();
    return { kind: 'rotate', idleExpiresAt: new Date(Math.min(now + policy.idleMs, cap)) };
  }
  const rotatedAt = session.rotatedAt?.getTime();
  if (rotatedAt !== undefined && now - rotatedAt <= policy.graceMs) return { kind: 'grace' };
  return { kind: 'reused' };
}

function refusalOf(
  session: RefreshableSession,
  userStatus: UserStatus,
  now: number,
): RefusalReason | null {
  if (session.revokedAt) return 'revoked';
  if (userStatus !== 'active') return 'user_inactive';
  if (session.idleExpiresAt.getTime() <= now) return 'idle_expired';
  if (session.absoluteExpiresAt.getTime() <= now) return 'absolute_expired';
  return null;
}
