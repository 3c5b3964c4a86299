import type { Server } from 'node:http';
import request from 'supertest';

/**
 * Polls a guarded route of `server` with `access` every 10 ms until it stops answering 200 (at
 * most `limitMs`): the last status and the milliseconds it took, for "refused within a second".
 */
export async function untilRefused(
  server: Server,
  access: string,
  limitMs = 5_000,
): Promise<{ status: number; elapsedMs: number }> {
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < limitMs) {
    status = (await request(server).get('/demo/me').auth(access, { type: 'bearer' })).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { status, elapsedMs: Date.now() - started };
}
