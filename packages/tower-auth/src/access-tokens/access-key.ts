import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken } from '../common/token-hash.js';

/**
 * A personal access token: `tat_<id>_<secret>`, the secret being 32 random bytes in base64url
 * (43 characters). The prefix tells it from an access JWT without a database read (a JWT has
 * two dots, this none) and makes a leaked one easy to recognise; the id finds its row by primary
 * key; only a SHA-256 of the secret is stored. Nextflow and tw take any opaque string in
 * TOWER_ACCESS_TOKEN.
 */
export const ACCESS_KEY_PREFIX = 'tat_';
const ACCESS_KEY = /^tat_([1-9][0-9]{0,17})_([A-Za-z0-9_-]{43})$/;
/** Longer than any key we issue (4 + 18 + 1 + 43). */
const MAX_KEY_LENGTH = 66;

export interface ParsedAccessKey {
  tokenId: string;
  secret: string;
}

/** Cheap test the guard runs first: whatever starts with the prefix is judged as a token. */
export function looksLikeAccessKey(value: string): boolean {
  return value.startsWith(ACCESS_KEY_PREFIX);
}

/** The key's id and secret, or null when it is not one of ours (no exception: hostile input). */
export function parseAccessKey(value: string): ParsedAccessKey | null {
  if (value.length > MAX_KEY_LENGTH) return null;
  const match = ACCESS_KEY.exec(value);
  return match ? { tokenId: match[1], secret: match[2] } : null;
}

export function newAccessSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function formatAccessKey(tokenId: string, secret: string): string {
  return `${ACCESS_KEY_PREFIX}${tokenId}_${secret}`;
}

/** Constant time whatever the secret: both sides are SHA-256 digests of the same length. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const hash = hashToken(secret);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
