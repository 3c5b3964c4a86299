/**
 * Platform-neutral response writing (Express's `res` and Fastify's `reply` both have
 * `header(name, value)` taking an array for Set-Cookie).
 */
export function setCookies(response: unknown, cookies: string[]): void {
  (response as { header(name: string, value: string[]): unknown }).header('Set-Cookie', cookies);
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
