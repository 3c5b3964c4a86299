import { Injectable } from '@nestjs/common';
import type { TokenPrincipal } from '../decorators/current-user.decorator.js';

/** Tokens held in memory per instance; the one read longest ago goes first. */
const CACHE_SIZE = 5000;

/** A token as the guard needs it, read once from the database. */
export interface CachedToken {
  readonly tokenId: string;
  readonly hash: Buffer;
  readonly userId: string;
  readonly expiresAt: number | null;
  readonly loadedAt: number;
  readonly principal: TokenPrincipal;
  /** When this instance last queued a write of `lastUsed` (0: not yet). */
  lastWrite: number;
  /** The whole key once it has matched the hash: its later requests skip the hashing. */
  verifiedKey: string | null;
}

/**
 * The tokens an instance has read, by id (oldest read first out), and the same entries by their
 * whole verified key: a map lookup hashes the whole string, so a hit costs no SHA-256 and leaks
 * nothing of the secret. The second map is a subset of the first and loses an entry with it,
 * so an eviction by id (a notification) always reaches both. One per instance, shared by
 * AccessTokenService (which fills it) and RevocationService (which evicts on notifications).
 */
@Injectable()
export class AccessTokenCache {
  private readonly byId = new Map<string, CachedToken>();
  private readonly byKey = new Map<string, CachedToken>();
  private evictions = 0;

  get size(): number {
    return this.byId.size;
  }

  /** Changes with every eviction: a read that started before one must not fill the cache. */
  get generation(): number {
    return this.evictions;
  }

  withKey(key: string): CachedToken | undefined {
    return this.byKey.get(key);
  }

  withId(tokenId: string): CachedToken | undefined {
    return this.byId.get(tokenId);
  }

  remember(entry: CachedToken): void {
    this.drop(entry.tokenId);
    if (this.byId.size >= CACHE_SIZE) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
    this.byId.set(entry.tokenId, entry);
  }

  /** The key matched the entry's hash: later requests with it are found by `withKey`. */
  markVerified(entry: CachedToken, key: string): void {
    if (entry.verifiedKey !== null || this.byId.get(entry.tokenId) !== entry) return;
    entry.verifiedKey = key;
    this.byKey.set(key, entry);
  }

  /** A notification's payload: a token id, or `user:<id>` for every token of a user. */
  evict(payload: string): void {
    this.evictions++;
    if (!payload.startsWith('user:')) {
      this.drop(payload);
      return;
    }
    const userId = payload.slice(5);
    for (const [id, entry] of this.byId) if (entry.userId === userId) this.drop(id);
  }

  evictAll(): void {
    this.evictions++;
    this.byId.clear();
    this.byKey.clear();
  }

  private drop(tokenId: string): void {
    const entry = this.byId.get(tokenId);
    if (!entry) return;
    this.byId.delete(tokenId);
    if (entry.verifiedKey !== null) this.byKey.delete(entry.verifiedKey);
  }
}
