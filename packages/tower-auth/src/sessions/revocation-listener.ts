import { Logger } from '@nestjs/common';
import pg from 'pg';
import { describeError } from '../common/describe-error.js';
import type { AuthMetrics } from '../observability/auth-metrics.js';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

const logger = new Logger('Revocations');

export interface ListenerHooks {
  /** A fresh client's settings (the direct connection, not the pool). */
  clientConfig(): pg.ClientConfig;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** Runs once listening, on every (re)connect: reload what may have been missed. */
  onListening(client: pg.Client): Promise<void>;
  metrics: AuthMetrics;
}

/**
 * One dedicated connection that LISTENs, and comes back after a loss: capped exponential
 * back-off, and `onListening` after every (re)connect so nothing sent while no one listened is
 * missed (it runs after LISTEN, leaving no gap).
 */
export class RevocationListener {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = false;

  constructor(private readonly hooks: ListenerHooks) {}

  get connected(): boolean {
    return this.client !== null;
  }

  /** First connect errors propagate: the data source has just connected, so this is a real fault. */
  async start(): Promise<void> {
    this.stopped = false;
    this.client = await this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await closeQuietly(client);
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client(this.hooks.clientConfig());
    let lost = false;
    const onLost = (err?: Error): void => {
      lost = true;
      if (this.client === client) this.connectionLost(client, err);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.payload) this.hooks.onNotification(msg.channel, msg.payload);
    });
    try {
      await client.connect();
      for (const channel of this.hooks.channels) await client.query(`LISTEN ${channel}`);
      await this.hooks.onListening(client);
      // The connection may have dropped between the last query and here; its events are gone.
      if (lost) throw new Error('connection lost while starting to listen');
      return client;
    } catch (err) {
      await closeQuietly(client);
      throw err;
    }
  }

  private connectionLost(client: pg.Client, err?: Error): void {
    this.client = null;
    if (this.stopped) return;
    logger.warn(
      `Revocation listener lost its connection (${err ? describeError(err) : 'connection ended'}); reconnecting`,
    );
    this.hooks.metrics.revocationListener('lost');
    void closeQuietly(client);
    this.scheduleReconnect();
  }

  /** Unref'd so a pending retry never keeps the process alive. */
  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Never rejects: it runs from a timer. */
  private async reconnect(): Promise<void> {
    try {
      const client = await this.open();
      if (this.stopped) {
        await closeQuietly(client);
        return;
      }
      this.client = client;
      logger.log(`Revocation listener reconnected after ${this.attempts} attempt(s)`);
      this.hooks.metrics.revocationListener('reconnected');
      this.attempts = 0;
    } catch (err) {
      logger.warn(`Revocation listener reconnect failed (${describeError(err)})`);
      this.scheduleReconnect();
    }
  }
}

async function closeQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners('notification');
  try {
    await client.end();
  } catch {
    // Already closed or broken: nothing left to release.
  }
}
