/** What a session remembers of the request that created or refreshed it. */
export interface RequestInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

const MAX_USER_AGENT = 512;

/**
 * The client address honours X-Forwarded-For only when the operator says a proxy is in front
 * (tower.trust-proxy); otherwise anyone could claim any address.
 */
export function requestInfo(request: unknown, trustProxy: boolean): RequestInfo {
  const req = request as RawRequest;
  const ua = req.headers['user-agent'];
  const userAgent = typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null;
  return { userAgent, ipAddress: clientAddress(req, trustProxy) };
}

function clientAddress(req: RawRequest, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first && first.length <= 64) return first;
  }
  return req.socket?.remoteAddress ?? req.ip ?? null;
}
