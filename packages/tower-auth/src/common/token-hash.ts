import { createHash } from 'node:crypto';

/**
 * How a bearer secret (a magic-link token, a personal access token's secret) is stored: SHA-256
 * of its text. The secrets are 256-bit random, so a plain hash is enough and a lookup by hash is
 * one index read. Refresh tokens are keyed by the JWT secret instead (RefreshChain.hash).
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
