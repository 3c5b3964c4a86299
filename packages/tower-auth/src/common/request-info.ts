import { isIP } from 'node:net';
import type { HttpRequest } from './http-request.js';

/** What a session remembers of the request that created or refreshed it. */
export interface RequestInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

const MAX_USER_AGENT = 512;
/** Longer than any address with a port; anything longer is not an address. */
const MAX_ENTRY = 64;

/**
 * `trustedProxies` is the number of proxies in front of the service (tower.trust-proxy): see
 * clientAddress. Audit rows, sessions and rate limits all take the address from here, so it is
 * the same on Fastify and Express (both platforms leave `trust proxy` off).
 */
export function requestInfo(request: unknown, trustedProxies: number): RequestInfo {
  const req = request as HttpRequest;
  const ua = req.headers['user-agent'];
  const userAgent = typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null;
  return { userAgent, ipAddress: clientAddress(req, trustedProxies) };
}

/**
 * Each proxy appends the address it received the request from to X-Forwarded-For, so behind N
 * proxies the client is the entry N places from the right; the entries left of it were written
 * by the client and prove nothing. With fewer entries than N (a request made from inside, past
 * the outer proxies) the left-most one is the farthest address a proxy saw; with no header, or
 * an entry that is not an address, the socket's peer. With N = 0 the header is ignored.
 */
export function clientAddress(req: HttpRequest, trustedProxies: number): string | null {
  const peer = req.socket?.remoteAddress ?? req.ip ?? null;
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return peer;
  const entries = text.split(',');
  const entry = entries[Math.max(0, entries.length - trustedProxies)];
  return addressOf(entry) ?? peer;
}

/** `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711` → the address. */
function addressOf(entry: string): string | null {
  const text = entry.trim();
  if (text.length === 0 || text.length > MAX_ENTRY) return null;
  if (isIP(text)) return text;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) return isIP(bracketed[1]) === 6 ? bracketed[1] : null;
  const withPort = /^([\d.]+):\d{1,5}$/.exec(text);
  return withPort && isIP(withPort[1]) === 4 ? withPort[1] : null;
}
