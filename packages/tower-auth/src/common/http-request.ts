/**
 * What the module reads of a request, on either platform: Fastify's request and Express's req
 * both have these fields (Fastify keeps Node's own request as `raw`). Handlers, guards and
 * services take this instead of a platform's type, so neither platform leaks into them.
 */
export interface HttpRequest {
  method?: string;
  url?: string;
  /** Express: the URL before a router stripped its mount path. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed body (form or JSON), when the platform parsed one. */
  body?: unknown;
  query?: Record<string, unknown>;
  /** The platform's client address (not trusted on its own: see requestInfo). */
  ip?: string;
  socket?: { remoteAddress?: string };
}
