import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NewAuditRow } from '../audit/audit.repository.js';
import { returnedRows } from '../database/rows.js';
import { UserEntity } from '../users/user.entity.js';
import { entityColumns, type EntityColumns } from '../database/entity-columns.js';
import { SessionEntity, type SessionKind } from './session.entity.js';

/** A session as read: every column of the entity. */
export type SessionRow = SessionEntity;

export interface NewSession {
  id: string;
  userId: string;
  provider: string;
  kind: SessionKind;
  refreshHash: Buffer;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}

/** A refresh token's successor becoming current. */
export interface Rotation {
  refreshHash: Buffer;
  at: Date;
  idleExpiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}

/** What the admin view shows of a live session (never a token or its hash). */
export interface SessionSummary {
  id: string;
  kind: SessionKind;
  provider: string;
  createdAt: Date;
  lastRefreshAt: Date | null;
  /** When its refresh token stops working unless it is used (the idle expiry, or the cap). */
  expiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}

/** SQL about sessions. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Read from the entities once the data source knows them. */
  private columnsCache: {
    session: EntityColumns<SessionRow>;
    user: EntityColumns<UserEntity>;
  } | null = null;

  private get columns(): { session: EntityColumns<SessionRow>; user: EntityColumns<UserEntity> } {
    return (this.columnsCache ??= {
      session: entityColumns(this.dataSource, SessionEntity, 's'),
      user: entityColumns(this.dataSource, UserEntity, 'u'),
    });
  }

  async insert(s: NewSession): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO tower_auth.sessions (id, user_id, provider, refresh_hash, idle_expires_at, absolute_expires_at,
                             user_agent, ip_address, kind)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        s.id,
        s.userId,
        s.provider,
        s.refreshHash,
        s.idleExpiresAt,
        s.absoluteExpiresAt,
        s.userAgent,
        s.ipAddress,
        s.kind,
      ],
    );
  }

  /**
   * The session whose current or previous refresh token has this hash, with its user: all a
   * refresh decision needs, in one round trip and without a lock (the rotation that follows
   * is conditional on what was read, see `rotate`).
   */
  async findByTokenHash(hash: Buffer): Promise<{ session: SessionRow; user: UserEntity } | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.columns.session.select}, ${this.columns.user.select}
         FROM tower_auth.sessions s JOIN tower_auth.users u ON u.id = s.user_id
        WHERE s.refresh_hash = $1 OR s.previous_hash = $1 LIMIT 1`,
      [hash],
    );
    const row = rows[0];
    if (!row) return null;
    return { session: this.columns.session.read(row), user: this.columns.user.read(row) };
  }

  /**
   * Makes `next` the session's current token if `current` still is and the session is live,
   * and writes `audit` (for the session's user and provider) in the same statement. False when
   * another request rotated or revoked it since it was read (nothing written): the caller reads
   * it again and decides on what it finds (one statement, no transaction held across a decision).
   */
  async rotate(id: string, current: Buffer, next: Rotation, audit: NewAuditRow): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `WITH rotated AS (
         UPDATE tower_auth.sessions SET refresh_hash = $3, previous_hash = $2, rotated_at = $4,
                last_refresh_at = $4, idle_expires_at = $5, generation = generation + 1,
                user_agent = coalesce($6, user_agent), ip_address = coalesce($7, ip_address)
          WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL RETURNING user_id, provider)
       INSERT INTO tower_auth.audit_events (type, user_id, provider, ip_address, detail)
       SELECT $8, user_id, provider, $9, $10 FROM rotated RETURNING id`,
      [
        id,
        current,
        next.refreshHash,
        next.at,
        next.idleExpiresAt,
        next.userAgent,
        next.ipAddress,
        audit.type,
        audit.ipAddress,
        audit.detail,
      ],
    );
    return returnedRows(result).length > 0;
  }

  /** A live session one of whose current or previous hashes is in the list. */
  async findLiveByAnyHash(hashes: Buffer[]): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM tower_auth.sessions
        WHERE (refresh_hash = ANY($1) OR previous_hash = ANY($1)) AND revoked_at IS NULL LIMIT 1`,
      [hashes],
    );
    return rows[0]?.id ?? null;
  }

  /** True when this call revoked it (it was live). */
  async revoke(id: string, reason: string, at: Date): Promise<boolean> {
    const rows: unknown = await this.dataSource.query(
      `UPDATE tower_auth.sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, at, reason],
    );
    return returnedRows(rows).length > 0;
  }

  async revokeAllForUser(userId: string, reason: string, at: Date): Promise<string[]> {
    const rows: unknown = await this.dataSource.query(
      `UPDATE tower_auth.sessions SET revoked_at = $2, revoke_reason = $3
        WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, at, reason],
    );
    return (returnedRows(rows) as { id: string }[]).map((r) => r.id);
  }

  /** A user's sessions that are neither revoked nor expired, newest first. */
  async listLive(userId: string, at: Date, limit: number): Promise<SessionSummary[]> {
    return this.dataSource.query(
      `SELECT id, kind, provider, created_at AS "createdAt", last_refresh_at AS "lastRefreshAt",
              least(idle_expires_at, absolute_expires_at) AS "expiresAt",
              user_agent AS "userAgent", ip_address AS "ipAddress"
         FROM tower_auth.sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2
        ORDER BY created_at DESC, id LIMIT $3`,
      [userId, at, limit],
    );
  }

  async findById(id: string): Promise<SessionRow | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.columns.session.select} FROM tower_auth.sessions s WHERE s.id = $1`,
      [id],
    );
    return rows[0] ? this.columns.session.read(rows[0]) : null;
  }
}
