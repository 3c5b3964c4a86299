import { ACCESS_COOKIE, cookieValues } from '../http/cookies.js';

export interface Credential {
  /** Candidates in order of preference; the first that verifies wins. */
  tokens: string[];
  via: 'bearer' | 'cookie';
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * `Authorization: Bearer` wins over the `JWT` cookie. Older Nextflow versions send a
 * personal access token as HTTP Basic with the user `@token`: that counts as a Bearer header.
 */
export function extractCredential(headers: Headers): Credential | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const token = bearerToken(authorization) ?? basicToken(authorization);
    if (token) return { tokens: [token], via: 'bearer' };
  }
  const cookies = cookieValues(headers.cookie, ACCESS_COOKIE);
  return cookies.length > 0 ? { tokens: cookies, via: 'cookie' } : null;
}

/**
 * The token of `Bearer <token>` (scheme case-insensitive, spaces around the token allowed, none
 * inside it), or null. By hand rather than a regular expression: it runs on every request.
 */
export function bearerToken(header: string): string | null {
  if (header.length < 8 || header.slice(0, 6).toLowerCase() !== 'bearer' || header[6] !== ' ')
    return null;
  let start = 7;
  let end = header.length;
  while (start < end && header[start] === ' ') start++;
  while (end > start && header[end - 1] === ' ') end--;
  if (start === end) return null;
  const token = header.slice(start, end);
  return token.includes(' ') ? null : token;
}

const BASIC_TOKEN_USER = '@token:';
/** Longer than any Basic header carrying one of our tokens; longer ones are not decoded. */
const MAX_BASIC_HEADER = 4096;

/**
 * The password of `Basic base64("@token:<token>")`, or null: any other user name is not a
 * token credential (this service has no passwords).
 */
export function basicToken(header: string): string | null {
  if (
    header.length < 7 ||
    header.length > MAX_BASIC_HEADER ||
    header.slice(0, 5).toLowerCase() !== 'basic' ||
    header[5] !== ' '
  )
    return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  if (!decoded.startsWith(BASIC_TOKEN_USER)) return null;
  const token = decoded.slice(BASIC_TOKEN_USER.length);
  return token.length > 0 && !/[\s:]/.test(token) ? token : null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The browser says another site made this request: `Sec-Fetch-Site` other than `same-origin`
 * or `none` (typed in, a bookmark), or an `Origin` other than the server's (`null` included:
 * sandboxed frames and some redirects send it). A client that sends neither is not a browser
 * and is taken at its word.
 */
export function fromAnotherSite(headers: Headers, serverOrigin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  return typeof origin === 'string' && origin !== serverOrigin;
}

/**
 * A state-changing request carried by a cookie must come from our own pages: browsers send
 * Origin (and Sec-Fetch-Site) with such requests. A client that sends neither is not a
 * browser, so no other site can have made it send the cookie.
 */
export function passesOriginCheck(method: string, headers: Headers, serverOrigin: string): boolean {
  return !UNSAFE.has(method.toUpperCase()) || !fromAnotherSite(headers, serverOrigin);
}
