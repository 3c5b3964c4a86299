import { createHmac, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isRefreshTokenShaped(value: string): boolean {
  return TOKEN.test(value);
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Each refresh token's successor is an HMAC of it under a key derived from the JWT secret.
 * So a replay within the grace window gets the same new token without any token being
 * stored in clear, and a stale token can be walked forward to find its family (reuse
 * detection) without keeping every old hash. A session stores its token's `hash`, an HMAC
 * under a second key from the secret: a changed secret finds no session any more, so it
 * ends every session, not only the access tokens signed with it.
 */
export class RefreshChain {
  /** The KeyRing's refresh-chain and refresh-hash keys. */
  constructor(
    private readonly key: Buffer,
    private readonly hashKey: Buffer,
  ) {}

  successor(token: string): string {
    return createHmac('sha256', this.key).update(token, 'utf8').digest('base64url');
  }

  /** What `sessions.refresh_hash` holds for this token. */
  hash(token: string): Buffer {
    return createHmac('sha256', this.hashKey).update(token, 'utf8').digest();
  }

  /** Hashes of the next `count` tokens after this one. */
  futureHashes(token: string, count: number): Buffer[] {
    const hashes: Buffer[] = [];
    let current = token;
    for (let i = 0; i < count; i++) {
      current = this.successor(current);
      hashes.push(this.hash(current));
    }
    return hashes;
  }
}
