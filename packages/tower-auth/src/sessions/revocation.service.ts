import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import pg from 'pg';
import { directConnectionConfig } from '../database/direct-connection.js';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import { describeError } from '../common/describe-error.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { CLOCK_SKEW_S, TokenService } from '../tokens/token.service.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from '../observability/auth-metrics.js';

/**
 * Sent by the triggers on tower_auth.sessions (tower_auth.notify_session_revoked()) with the
 * session id as payload; the prefix keeps it apart from the host's own channels.
 */
export const REVOCATION_CHANNEL = 'tower_auth_session_revoked';
/**
 * Sent by tower_auth.notify_access_token_revoked(): a personal access token's id when it is
 * deleted (its user's deletion cascades), `user:<id>` when its user is disabled.
 */
export const ACCESS_TOKEN_REVOCATION_CHANNEL = 'tower_auth_access_token_revoked';
/** Lets an operator (or a test) find the listener in pg_stat_activity. */
export const REVOCATION_APPLICATION_NAME = 'tower-auth-revocations';
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

const logger = new Logger('Revocations');

/**
 * Revoked session ids, in memory, on every instance (SPEC §3 "Revocation reaches access
 * tokens"): the guard asks `isRevoked` on every request without touching the database. A
 * dedicated connection LISTENs for the triggers' notifications; after every (re)connect the
 * sessions revoked within the window are reloaded, so nothing revoked while disconnected is
 * missed. An id is kept only while an access token of its session can still be accepted.
 */
@Injectable()
export class RevocationService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  /** Session id → when the entry may be forgotten (ms). Insertion order ≈ expiry order. */
  private readonly revoked = new Map<string, number>();
  private readonly windowMs: number;
  private readonly directUrl: string | null;
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = false;
  private readonly tokenListeners: ((payload: string) => void)[] = [];
  private readonly resyncListeners: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOWER_CONFIG) config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    /** Sessions this instance has seen tokens of; re-checked at every (re)connect. */
    @Optional() private readonly tokens?: TokenService,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {
    this.windowMs = (config.auth.accessTokenExpiration + CLOCK_SKEW_S) * 1000;
    this.directUrl = config.database.directUrl ?? null;
  }

  /** The listener is connected: revocations from other instances arrive (health reporting). */
  get isReady(): boolean {
    return this.client !== null;
  }

  /** The same, for readiness probes and metrics. */
  get connected(): boolean {
    return this.client !== null;
  }

  /** Entries currently held (metrics; expired ones may linger until the next insert). */
  get size(): number {
    return this.revoked.size;
  }

  /** O(1), no I/O: called by the guard on every authenticated request. */
  isRevoked(sessionId: string): boolean {
    const until = this.revoked.get(sessionId);
    return until !== undefined && until > this.now();
  }

  /** Records a revocation: called after a local revoke, so this instance knows at once. */
  markRevoked(sessionId: string): void {
    const now = this.now();
    this.prune(now);
    // The first sighting is enough: a token older than that revocation expires within the window.
    if (!this.revoked.has(sessionId)) this.revoked.set(sessionId, now + this.windowMs);
  }

  /** Told of every access-token notification (a token id, or `user:<id>`). */
  onAccessTokenRevoked(listener: (payload: string) => void): void {
    this.tokenListeners.push(listener);
  }

  /**
   * Told after every (re)connect, once listening again: what was held in memory may have been
   * revoked while no one listened.
   */
  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  /** First connect errors propagate: the data source has just connected, so this is a real fault. */
  async onModuleInit(): Promise<void> {
    this.stopped = false;
    this.client = await this.open();
  }

  /** Closed at module destroy, before the database module stops an embedded server. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private now(): number {
    return this.clock.now();
  }

  /** Lazy pruning on insert bounds memory by the revocations of one window; O(expired). */
  private prune(now: number): void {
    for (const [id, until] of this.revoked) {
      if (until > now) break;
      this.revoked.delete(id);
    }
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await closeQuietly(client);
  }

  /** Connects, LISTENs, then reloads: loading after LISTEN leaves no gap for a revocation. */
  private async open(): Promise<pg.Client> {
    const client = new pg.Client(
      directConnectionConfig(
        this.dataSource,
        {
          application_name: REVOCATION_APPLICATION_NAME,
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        },
        this.directUrl,
      ),
    );
    let lost = false;
    const onLost = (err?: Error): void => {
      lost = true;
      if (this.client === client) this.connectionLost(client, err);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      if (msg.channel === REVOCATION_CHANNEL) this.markRevoked(msg.payload);
      else if (msg.channel === ACCESS_TOKEN_REVOCATION_CHANNEL)
        for (const listener of this.tokenListeners) listener(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      await client.query(`LISTEN ${ACCESS_TOKEN_REVOCATION_CHANNEL}`);
      await this.reload(client);
      for (const listener of this.resyncListeners) listener();
      // The connection may have dropped between the last query and here; its events are gone.
      if (lost) throw new Error('connection lost while starting to listen');
      return client;
    } catch (err) {
      await closeQuietly(client);
      throw err;
    }
  }

  private async reload(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM tower_auth.sessions WHERE revoked_at > now() - make_interval(secs => $1)`,
      [this.windowMs / 1000],
    );
    for (const { id } of rows) this.markRevoked(id);
    // A session deleted while no one listened (a user deleted during a connection blip) has no
    // row left to find: any session this instance has live tokens of and that is gone is ended.
    const known = this.tokens?.liveSessionIds(this.now()) ?? [];
    if (known.length === 0) return;
    const present = await client.query<{ id: string }>(
      `SELECT id FROM tower_auth.sessions WHERE id = ANY($1::uuid[])`,
      [known],
    );
    const remaining = new Set(present.rows.map((row) => row.id));
    for (const id of known) if (!remaining.has(id)) this.markRevoked(id);
  }

  private connectionLost(client: pg.Client, err?: Error): void {
    this.client = null;
    if (this.stopped) return;
    logger.warn(
      `Revocation listener lost its connection (${err ? describeError(err) : 'connection ended'}); reconnecting`,
    );
    this.metrics.revocationListener('lost');
    void closeQuietly(client);
    this.scheduleReconnect();
  }

  /** Capped exponential back-off; unref'd so a pending retry never keeps the process alive. */
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
      this.metrics.revocationListener('reconnected');
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
