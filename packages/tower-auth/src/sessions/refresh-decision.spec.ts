import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { decideRefresh, type RefreshableSession } from './refresh-decision.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MINUTE = 60_000;
const POLICY = { idleMs: 60 * MINUTE, graceMs: MINUTE };
const hash = (token: string): Buffer => createHash('sha256').update(token).digest();
const CURRENT = hash('current');
const PREVIOUS = hash('previous');

function session(overrides: Partial<RefreshableSession> = {}): RefreshableSession {
  return {
    refreshHash: CURRENT,
    rotatedAt: new Date(NOW - 10 * MINUTE),
    idleExpiresAt: new Date(NOW + 30 * MINUTE),
    absoluteExpiresAt: new Date(NOW + 24 * 60 * MINUTE),
    revokedAt: null,
    ...overrides,
  };
}

const active = (s: RefreshableSession) => ({ session: s, userStatus: 'active' as const });

describe('decideRefresh', () => {
  it('rotates the current token and slides the idle expiry', () => {
    expect(decideRefresh(active(session()), CURRENT, NOW, POLICY)).toEqual({
      kind: 'rotate',
      idleExpiresAt: new Date(NOW + 60 * MINUTE),
    });
  });

  it('never slides the idle expiry past the absolute cap', () => {
    const capped = session({ absoluteExpiresAt: new Date(NOW + 5 * MINUTE) });
    expect(decideRefresh(active(capped), CURRENT, NOW, POLICY)).toEqual({
      kind: 'rotate',
      idleExpiresAt: new Date(NOW + 5 * MINUTE),
    });
  });

  it('answers a replay of the previous token within the grace window with the same successor', () => {
    const justRotated = session({ rotatedAt: new Date(NOW - MINUTE) });
    expect(decideRefresh(active(justRotated), PREVIOUS, NOW, POLICY)).toEqual({ kind: 'grace' });
  });

  it('calls a replay of the previous token after the grace window reuse', () => {
    const rotated = session({ rotatedAt: new Date(NOW - MINUTE - 1) });
    expect(decideRefresh(active(rotated), PREVIOUS, NOW, POLICY)).toEqual({ kind: 'reused' });
  });

  it('calls a token that is not current in a never-rotated session reuse', () => {
    const fresh = session({ rotatedAt: null });
    expect(decideRefresh(active(fresh), PREVIOUS, NOW, POLICY)).toEqual({ kind: 'reused' });
  });

  it('leaves a token no session holds to stale-reuse detection', () => {
    expect(decideRefresh(null, CURRENT, NOW, POLICY)).toEqual({ kind: 'stale' });
  });

  it('refuses an idle session, even with its current token', () => {
    const idle = session({ idleExpiresAt: new Date(NOW) });
    expect(decideRefresh(active(idle), CURRENT, NOW, POLICY)).toEqual({
      kind: 'refused',
      reason: 'idle_expired',
    });
  });

  it('refuses a session past its absolute cap', () => {
    const old = session({ absoluteExpiresAt: new Date(NOW - 1) });
    expect(decideRefresh(active(old), CURRENT, NOW, POLICY)).toEqual({
      kind: 'refused',
      reason: 'absolute_expired',
    });
  });

  it('refuses a revoked session, within the grace window too', () => {
    const revoked = session({ revokedAt: new Date(NOW - MINUTE), rotatedAt: new Date(NOW) });
    expect(decideRefresh(active(revoked), CURRENT, NOW, POLICY)).toEqual({
      kind: 'refused',
      reason: 'revoked',
    });
    expect(decideRefresh(active(revoked), PREVIOUS, NOW, POLICY).kind).toBe('refused');
  });

  it('refuses a disabled user without calling a stale token reuse', () => {
    const found = { session: session(), userStatus: 'disabled' as const };
    expect(decideRefresh(found, CURRENT, NOW, POLICY)).toEqual({
      kind: 'refused',
      reason: 'user_inactive',
    });
    expect(decideRefresh(found, PREVIOUS, NOW + 60 * MINUTE, POLICY).kind).toBe('refused');
  });
});
