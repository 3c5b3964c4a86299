import { AsyncLocalStorage } from 'node:async_hooks';

/** The header a request id travels in, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** An incoming X-Request-Id is kept only when it is short and harmless to log and echo. */
export function saneRequestId(value: unknown): string | null {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : null;
}

/**
 * The request id of a request object of either platform (Express's request, Fastify's or the
 * raw Node one): the host sets the header to the id it uses; an insane value is ignored.
 */
export function requestIdOf(request: unknown): string | null {
  const headers = (request as { headers?: Record<string, unknown> } | null)?.headers;
  return headers ? saneRequestId(headers[REQUEST_ID_HEADER]) : null;
}

const context = new AsyncLocalStorage<string>();

/**
 * Runs `work(...args)` as part of the request `requestId`: audit rows written meanwhile carry
 * it. The host calls it where the handler is about to run (the service does on both
 * platforms); passing the arguments spares it a closure per request.
 */
export function runWithRequestId<A extends unknown[], T>(
  requestId: string,
  work: (...args: A) => T,
  ...args: A
): T {
  return context.run(requestId, work, ...args);
}

/** The id of the request being served, if the host told (see runWithRequestId). */
export function currentRequestId(): string | undefined {
  return context.getStore();
}
