import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { directConnectionConfig } from '../database/direct-connection.js';
import { DataSource } from 'typeorm';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { QUIET_DELETE_SETTING } from '../sessions/revocation.service.js';

/** The tables the purge keeps small, in the order it visits them. */
export const PURGE_TABLES = [
  'sessions',
  'magic_link_tokens',
  'ephemeral_endpoints',
  'mail_outbox',
  'audit_events',
  'rate_limit_buckets',
] as const;
export type PurgeTable = (typeof PURGE_TABLES)[number];

/** The instants before which rows of each kind are garbage. */
export interface PurgeCutoffs {
  readonly now: Date;
  /** Sessions revoked or expired before this (now − retention). */
  readonly sessions: Date;
  /** Endpoints consumed before this (a response that fails later may still restore one). */
  readonly ephemeralConsumed: Date;
  /** Sent or failed e-mails before this. */
  readonly outbox: Date;
  readonly audit: Date;
}

/** A connection holding the purge lock. */
export interface PurgeSession {
  /** Deletes at most `limit` garbage rows of `table`; returns how many went. */
  deleteBatch(table: PurgeTable, cutoffs: PurgeCutoffs, limit: number): Promise<number>;
}

/**
 * Which rows of each table go. Every condition is served by an index of the initial schema
 * (expires_at, consumed_at, revoked_at, sent_at, failed_at, created_at).
 */
const GARBAGE: Record<PurgeTable, (c: PurgeCutoffs) => [string, Date[]]> = {
  sessions: (c) => [
    'revoked_at <= $1 OR idle_expires_at <= $1 OR absolute_expires_at <= $1',
    [c.sessions],
  ],
  magic_link_tokens: (c) => ['expires_at <= $1 OR consumed_at IS NOT NULL', [c.now]],
  ephemeral_endpoints: (c) => [
    'expires_at <= $1 OR consumed_at <= $2',
    [c.now, c.ephemeralConsumed],
  ],
  mail_outbox: (c) => [
    `(status = 'sent' AND sent_at <= $1) OR (status = 'failed' AND failed_at <= $1)`,
    [c.outbox],
  ],
  audit_events: (c) => ['created_at <= $1', [c.audit]],
  rate_limit_buckets: (c) => ['expires_at <= $1', [c.now]],
};

/** Session-level advisory lock of the purge: one purger per database at a time. */
export const PURGE_LOCK_KEY = '7402587506001';
/** Lets an operator (or a test) find the purge in pg_stat_activity. */
export const PURGE_APPLICATION_NAME = 'tower-auth-purge';
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The purge's own connection: it holds the advisory lock for the whole run and lets it go
 * by closing, whatever happened. Each batch is one autocommit DELETE, i.e. its own short
 * transaction, which takes the rows nobody else has locked and never waits for the others.
 */
@Injectable()
export class PurgeRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  /** Runs `work` holding the lock; null, without waiting, when any instance holds it. */
  async withPurgeLock<T>(work: (session: PurgeSession) => Promise<T>): Promise<T | null> {
    const client = new pg.Client(
      directConnectionConfig(
        this.dataSource,
        {
          application_name: PURGE_APPLICATION_NAME,
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        },
        this.config.database.directUrl,
      ),
    );
    // A dropped connection surfaces as the failing query's error; this keeps it from crashing.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock($1::bigint) AS locked`,
        [PURGE_LOCK_KEY],
      );
      if (!rows[0]?.locked) return null;
      // A batch never queues behind a table lock for long; the deleted sessions are long
      // dead, so they do not announce a revocation (migration 1764300000003).
      await client.query(`SET lock_timeout = '2s'; SET statement_timeout = '60s';
                          SET ${QUIET_DELETE_SETTING} = 'on'`);
      return await work({
        deleteBatch: (table, cutoffs, limit) => deleteBatch(client, table, cutoffs, limit),
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function deleteBatch(
  client: pg.Client,
  table: PurgeTable,
  cutoffs: PurgeCutoffs,
  limit: number,
): Promise<number> {
  const [where, params] = GARBAGE[table](cutoffs);
  const result = await client.query(
    `DELETE FROM tower_auth.${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM tower_auth.${table} WHERE ${where} LIMIT $${params.length + 1} FOR UPDATE SKIP LOCKED))`,
    [...params, limit],
  );
  return result.rowCount ?? 0;
}
