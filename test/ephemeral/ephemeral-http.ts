import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Response } from 'supertest';
import request from 'supertest';

/** supertest hands text and JSON over as text; this keeps every body as the exact bytes. */
export function bytes(res: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** A GET whose body is the exact bytes served. */
export function fetchBytes(server: Server, path: string): request.Test {
  return request(server).get(path).buffer(true).parse(bytes);
}

/** Listens on a loopback port (for raw sockets); supertest then uses the same server. */
export async function listen(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** The status line and body of a request written byte for byte (no URL normalisation). */
export function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/**
 * Sends a GET and leaves it pending; `abandon()` closes the connection without reading the
 * answer and resolves once the server has seen it close.
 */
export async function pendingGet(
  server: Server,
  port: number,
  path: string,
): Promise<{ abandon(): Promise<void> }> {
  const serverSideClosed = new Promise<void>((resolve) => {
    server.once('connection', (socket: net.Socket) => socket.once('close', () => resolve()));
  });
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await new Promise<void>((resolve) =>
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`, () => resolve()),
  );
  return {
    abandon: async () => {
      socket.destroy();
      await serverSideClosed;
    },
  };
}

export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A GET that reads the answer only until the first body bytes have arrived, then drops the
 * connection (what a thief with a tiny receive window does). Resolves with the bytes of body
 * it got, once the server has seen the connection close.
 */
export async function partialGet(server: Server, port: number, path: string): Promise<Buffer> {
  const serverSideClosed = new Promise<void>((resolve) => {
    server.once('connection', (socket: net.Socket) => socket.once('close', () => resolve()));
  });
  const body = await new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    });
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0 || received.length === end + 4) return;
      socket.off('error', reject);
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(received.subarray(end + 4));
    });
  });
  await serverSideClosed;
  return body;
}
