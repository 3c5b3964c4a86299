interface HeaderWriter {
  getHeader(name: string): unknown;
  removeHeader(name: string): unknown;
  header(name: string, value: string[]): unknown;
}

/**
 * Platform-neutral response writing. Adds to the Set-Cookie values already set: Fastify's
 * `reply.header` appends Set-Cookie but Express's `res.header` replaces it, so both get the
 * union written at once (a login callback clears the flow cookie and sets the session ones).
 */
export function setCookies(response: unknown, cookies: string[]): void {
  const writer = response as HeaderWriter;
  const existing = writer.getHeader('set-cookie');
  const previous = existing === undefined ? [] : [existing].flat().map(String);
  writer.removeHeader('set-cookie');
  writer.header('Set-Cookie', [...previous, ...cookies]);
}

/** The client wants JSON rather than a redirect. */
export function wantsJson(headers: Record<string, string | string[] | undefined>): boolean {
  const accept = headers.accept;
  const text = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return /application\/json/i.test(text) && !/text\/html/i.test(text);
}

/** Token-bearing answers must not be cached anywhere. */
export function noStore(response: unknown): void {
  (response as { header(name: string, value: string): unknown }).header(
    'Cache-Control',
    'no-store',
  );
}
