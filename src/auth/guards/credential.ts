import { ACCESS_COOKIE, cookieValues } from '../http/cookies.js';

export interface Credential {
  /** Candidates in order of preference; the first that verifies wins. */
  tokens: string[];
  via: 'bearer' | 'cookie';
}

type Headers = Record<string, string | string[] | undefined>;

const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i;

/** `Authorization: Bearer` wins over the `JWT` cookie (SPEC §3). */
export function extractCredential(headers: Headers): Credential | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const match = BEARER.exec(authorization);
    if (match) return { tokens: [match[1]], via: 'bearer' };
  }
  const cookies = cookieValues(headers.cookie, ACCESS_COOKIE);
  return cookies.length > 0 ? { tokens: cookies, via: 'cookie' } : null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A state-changing request carried by a cookie must come from our own pages: browsers send
 * Origin (and Sec-Fetch-Site) with such requests. A client that sends neither is not a
 * browser, so no other site can have made it send the cookie.
 */
export function passesOriginCheck(method: string, headers: Headers, serverOrigin: string): boolean {
  if (!UNSAFE.has(method.toUpperCase())) return true;
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (typeof origin === 'string') return origin === serverOrigin;
  return true;
}
