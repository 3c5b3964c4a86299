import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { AccessTokenCache } from '../access-tokens/access-token.cache.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { directConnectionConfig } from '../database/direct-connection.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from '../observability/auth-metrics.js';
import { CLOCK_SKEW_S, TokenService } from '../tokens/token.service.js';
import { RevocationListener } from './revocation-listener.js';

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
/**
 * A connection with this setting `on` deletes sessions without announcing them
 * (sessions_deleted_notify): the purge's, whose sessions are long dead.
 */
export const QUIET_DELETE_SETTING = 'tower.purge';
/** Lets an operator (or a test) find the listener in pg_stat_activity. */
export const REVOCATION_APPLICATION_NAME = 'tower-auth-revocations';
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The one owner of what this instance remembers of revocations (docs/architecture.md, "When
 * does a token stop working"): the revoked session ids the guard asks on every request, and the
 * personal access tokens held in memory, evicted
 * when the database says so. A dedicated connection LISTENs for the triggers' notifications;
 * after every (re)connect the sessions revoked within the window are reloaded and the token
 * cache emptied, so nothing revoked while disconnected is missed. A session id is kept only
 * while an access token of its session can still be accepted.
 */
@Injectable()
export class RevocationService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  /** Session id → when the entry may be forgotten (ms). Insertion order ≈ expiry order. */
  private readonly revoked = new Map<string, number>();
  private readonly windowMs: number;
  private readonly listener: RevocationListener;

  constructor(
    dataSource: DataSource,
    @Inject(TOWER_CONFIG) config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    /** Sessions this instance has seen tokens of; re-checked at every (re)connect. */
    private readonly tokens: TokenService,
    private readonly accessTokens: AccessTokenCache,
    @Optional() @Inject(AUTH_METRICS) metrics: AuthMetrics = NO_METRICS,
  ) {
    this.windowMs = (config.auth.accessTokenExpiration + CLOCK_SKEW_S) * 1000;
    const directUrl = config.database.directUrl ?? null;
    this.listener = new RevocationListener({
      clientConfig: () =>
        directConnectionConfig(
          dataSource,
          {
            application_name: REVOCATION_APPLICATION_NAME,
            connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          },
          directUrl,
        ),
      channels: [REVOCATION_CHANNEL, ACCESS_TOKEN_REVOCATION_CHANNEL],
      onNotification: (channel, payload) => this.notified(channel, payload),
      onListening: (client) => this.resync(client),
      metrics,
    });
  }

  /** The listener is connected: revocations from other instances arrive (health reporting). */
  get isReady(): boolean {
    return this.listener.connected;
  }

  /** The same, for readiness probes and metrics. */
  get connected(): boolean {
    return this.listener.connected;
  }

  /** Entries currently held (metrics; expired ones may linger until the next insert). */
  get size(): number {
    return this.revoked.size;
  }

  /** O(1), no I/O: called by the guard on every authenticated request. */
  isRevoked(sessionId: string): boolean {
    const until = this.revoked.get(sessionId);
    return until !== undefined && until > this.clock.now();
  }

  /** Records a revocation: called after a local revoke, so this instance knows at once. */
  markRevoked(sessionId: string): void {
    const now = this.clock.now();
    this.prune(now);
    // The first sighting is enough: a token older than that revocation expires within the window.
    if (!this.revoked.has(sessionId)) this.revoked.set(sessionId, now + this.windowMs);
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
  }

  /** Closed at module destroy, before the database module stops an embedded server. */
  async onModuleDestroy(): Promise<void> {
    await this.listener.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }

  private notified(channel: string, payload: string): void {
    if (channel === REVOCATION_CHANNEL) this.markRevoked(payload);
    // A token id, or `user:<id>`: the cache reads the token again at its next use.
    else if (channel === ACCESS_TOKEN_REVOCATION_CHANNEL) this.accessTokens.evict(payload);
  }

  /** Lazy pruning on insert bounds memory by the revocations of one window; O(expired). */
  private prune(now: number): void {
    for (const [id, until] of this.revoked) {
      if (until > now) break;
      this.revoked.delete(id);
    }
  }

  /** What may have been revoked while no one listened: reloaded, or forgotten to be read again. */
  private async resync(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM tower_auth.sessions WHERE revoked_at > now() - make_interval(secs => $1)`,
      [this.windowMs / 1000],
    );
    for (const { id } of rows) this.markRevoked(id);
    await this.endVanishedSessions(client);
    this.accessTokens.evictAll();
  }

  /**
   * A session deleted while no one listened (a user deleted during a connection blip) has no
   * row left to find: any session this instance has live tokens of and that is gone is ended.
   */
  private async endVanishedSessions(client: pg.Client): Promise<void> {
    const known = this.tokens.liveSessionIds(this.clock.now());
    if (known.length === 0) return;
    const present = await client.query<{ id: string }>(
      `SELECT id FROM tower_auth.sessions WHERE id = ANY($1::uuid[])`,
      [known],
    );
    const remaining = new Set(present.rows.map((row) => row.id));
    for (const id of known) if (!remaining.has(id)) this.markRevoked(id);
  }
}
