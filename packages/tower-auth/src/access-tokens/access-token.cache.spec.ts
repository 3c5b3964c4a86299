import { describe, expect, it } from '@jest/globals';
import { hashToken } from '../common/token-hash.js';
import type { TokenPrincipal } from '../decorators/current-user.decorator.js';
import { AccessTokenCache, type CachedToken } from './access-token.cache.js';
import {
  formatAccessKey,
  looksLikeAccessKey,
  newAccessSecret,
  parseAccessKey,
  secretMatches,
} from './access-key.js';

function entry(tokenId: string, userId = '1'): CachedToken {
  return {
    tokenId,
    userId,
    hash: hashToken('s'),
    expiresAt: null,
    loadedAt: 0,
    principal: { tokenId } as unknown as TokenPrincipal,
    lastWrite: 0,
    verifiedKey: null,
  };
}

describe('access keys', () => {
  it('round-trip, tell themselves from a JWT, and match only their own secret', () => {
    const secret = newAccessSecret();
    const key = formatAccessKey('42', secret);
    expect(key).toMatch(/^tat_42_[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('.');
    expect(looksLikeAccessKey(key)).toBe(true);
    expect(looksLikeAccessKey('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(parseAccessKey(key)).toEqual({ tokenId: '42', secret });
    expect(secretMatches(secret, hashToken(secret))).toBe(true);
    expect(secretMatches(newAccessSecret(), hashToken(secret))).toBe(false);
  });

  it.each([
    ['truncated', (k: string) => k.slice(0, -1)],
    ['longer', (k: string) => `${k}A`],
    ['id 0', (k: string) => k.replace('tat_42_', 'tat_0_')],
    ['a leading zero', (k: string) => k.replace('tat_42_', 'tat_042_')],
    ['an id past bigint', (k: string) => k.replace('tat_42_', `tat_${'9'.repeat(19)}_`)],
    ['no prefix', (k: string) => k.slice(4)],
    ['a dot', (k: string) => `${k.slice(0, -1)}.`],
  ])('refuses a key %s', (_name, change) => {
    expect(parseAccessKey(change(formatAccessKey('42', newAccessSecret())))).toBeNull();
  });
});

describe('AccessTokenCache', () => {
  it('finds a verified key until its token is evicted, by id or by its user', () => {
    const cache = new AccessTokenCache();
    const [a, b, c] = [entry('1', 'u1'), entry('2', 'u2'), entry('3', 'u2')];
    for (const e of [a, b, c]) cache.remember(e);
    cache.markVerified(a, 'key-a');
    cache.markVerified(b, 'key-b');
    cache.markVerified(c, 'key-c');
    expect(cache.withKey('key-a')).toBe(a);
    const before = cache.generation;
    cache.evict('1');
    expect(cache.withKey('key-a')).toBeUndefined();
    expect(cache.withId('1')).toBeUndefined();
    cache.evict('user:u2');
    expect([cache.withKey('key-b'), cache.withKey('key-c'), cache.size]).toEqual([
      undefined,
      undefined,
      0,
    ]);
    expect(cache.generation).toBeGreaterThan(before);
  });

  it('never lets a replaced entry be found by its old key', () => {
    const cache = new AccessTokenCache();
    const old = entry('7');
    cache.remember(old);
    cache.markVerified(old, 'key');
    cache.remember(entry('7'));
    expect(cache.withKey('key')).toBeUndefined();
    // A stale entry (no longer the cached one) is not indexed by key either.
    cache.markVerified(old, 'key');
    expect(cache.withKey('key')).toBeUndefined();
  });

  it('drops the entry read longest ago, with its key, beyond 5,000 tokens', () => {
    const cache = new AccessTokenCache();
    const first = entry('1');
    cache.remember(first);
    cache.markVerified(first, 'first');
    for (let i = 2; i <= 5001; i++) cache.remember(entry(String(i)));
    expect(cache.size).toBe(5000);
    expect(cache.withId('1')).toBeUndefined();
    expect(cache.withKey('first')).toBeUndefined();
    expect(cache.withId('5001')).toBeDefined();
  });
});
