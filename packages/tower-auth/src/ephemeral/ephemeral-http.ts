import type { Readable } from 'node:stream';
import { tooLarge } from './ephemeral.service.js';
import type { ServerResponse } from 'node:http';

/** Headers of every served content: never cached, never leaked by a link, never sniffed. */
export const CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // Content comes from users: opened in a browser it must not run as this origin.
  'Content-Security-Policy': "default-src 'none'; sandbox",
};

interface FastifyReplyLike {
  raw: ServerResponse;
  headers(values: Record<string, string>): FastifyReplyLike;
  code(status: number): FastifyReplyLike;
  send(body?: Buffer): unknown;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  return typeof response === 'object' && response !== null && 'raw' in response;
}

/** The Node response under Fastify's reply or Express's res. */
export function nodeResponse(response: unknown): ServerResponse {
  return isFastifyReply(response) ? response.raw : (response as ServerResponse);
}

/**
 * Writes the bytes as they are (no ETag, no 304, no charset added) with a 200 on either
 * platform; a HEAD gets the headers only.
 */
export function sendContent(
  response: unknown,
  headers: Record<string, string>,
  body: Buffer | null,
): void {
  if (isFastifyReply(response)) {
    response
      .headers(headers)
      .code(200)
      .send(body ?? undefined);
    return;
  }
  // Node's own setHeader: Express's res.set() would append a charset to the type.
  const res = response as ServerResponse;
  res.statusCode = 200;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body) res.end(body);
  else res.end();
}

/** What became of an answer whose connection closed before it was complete. */
export interface UndeliveredHandlers {
  /** Not one byte of it was handed to the operating system: nobody can have read any of it. */
  lost(): void;
  /** Bytes went out, then the connection broke: the start of the body may have been read. */
  partial(): void;
}

/**
 * Watches the answer about to be written to `raw`. Calls `lost` when the connection is already
 * gone or closes before any byte was written, `partial` when it breaks after bytes went out
 * but before the whole answer was handed over. Node marks a response finished even when its
 * write failed, so a clean finish is the one reached while the connection was still intact.
 * Returns true when the connection is already gone (write nothing then).
 */
export function whenUndelivered(raw: ServerResponse, handlers: UndeliveredHandlers): boolean {
  const socket = raw.socket;
  if (raw.destroyed || !socket || socket.destroyed) {
    handlers.lost();
    return true;
  }
  const before = socket.bytesWritten;
  let complete = false;
  raw.once('finish', () => {
    complete = !socket.destroyed && socket.errored === null;
  });
  raw.once('close', () => {
    if (complete) return;
    // Counted when handed to the socket; kept after the socket is destroyed.
    const after = socket.bytesWritten as number | undefined;
    const wrote = after === undefined ? raw.headersSent : after > before;
    if (wrote) handlers.partial();
    else handlers.lost();
  });
  return false;
}

/**
 * A raw request body, up to `limit` bytes (Express leaves non-JSON, non-form bodies unread;
 * Fastify hands them over already read, see EphemeralBodyParser).
 */
export function readRawBody(
  request: Readable,
  limit: number,
  contentLength: string | string[] | undefined,
): Promise<Buffer> {
  const declared = Number(contentLength);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop collecting; what is left of the upload is read and dropped.
      request.off('data', onData);
      request.resume();
      reject(tooLarge(limit));
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}
