import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';
import type { SessionKind } from './session.entity.js';

export interface SessionRow {
  id: string;
  userId: string;
  provider: string;
  kind: SessionKind;
  refreshHash: Buffer;
  previousHash: Buffer | null;
  rotatedAt: Date | null;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  revokedAt: Date | null;
}

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

/** The session columns, qualified by `t`, named as SessionRow's fields. */
const columns = (t: string): string =>
  `${t}.id, ${t}.user_id AS "userId", ${t}.provider, ${t}.kind, ${t}.refresh_hash AS "refreshHash",
   ${t}.previous_hash AS "previousHash", ${t}.rotated_at AS "rotatedAt",
   ${t}.idle_expires_at AS "idleExpiresAt", ${t}.absolute_expires_at AS "absoluteExpiresAt",
   ${t}.revoked_at AS "revokedAt"`;

/** SQL about sessions; the refresh rotation runs inside `inTransaction`. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * READ COMMITTED (what the locking reads rely on) stated in the BEGIN itself: TypeORM's
   * `transaction(level, ...)` sends START TRANSACTION and SET TRANSACTION as two round trips,
   * a quarter of a refresh's database time.
   */
  async inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      let result: T;
      try {
        result = await work(runner.manager);
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await runner.query('COMMIT');
      return result;
    } finally {
      await runner.release();
    }
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
   * The session whose current or previous refresh token has this hash, locked, with its user
   * (one round trip for what a refresh needs). A caller that waited for the lock sees the
   * row as its rotation left it.
   */
  async lockByTokenHash(
    tx: EntityManager,
    hash: Buffer,
  ): Promise<{ session: SessionRow; user: UserEntity } | null> {
    const rows: (SessionRow & { user: Record<string, unknown> })[] = await tx.query(
      `SELECT ${columns('s')}, to_jsonb(u) || jsonb_build_object('id', u.id::text) AS "user"
         FROM tower_auth.sessions s JOIN tower_auth.users u ON u.id = s.user_id
        WHERE s.refresh_hash = $1 OR s.previous_hash = $1 LIMIT 1 FOR UPDATE OF s`,
      [hash],
    );
    const row = rows[0];
    if (!row) return null;
    const { user, ...session } = row;
    return { session, user: toUser(user) };
  }

  async rotate(
    tx: EntityManager,
    id: string,
    next: {
      refreshHash: Buffer;
      previousHash: Buffer;
      at: Date;
      idleExpiresAt: Date;
      userAgent: string | null;
      ipAddress: string | null;
    },
  ): Promise<void> {
    await tx.query(
      `UPDATE tower_auth.sessions SET refresh_hash = $2, previous_hash = $3, rotated_at = $4, last_refresh_at = $4,
              idle_expires_at = $5, generation = generation + 1,
              user_agent = coalesce($6, user_agent), ip_address = coalesce($7, ip_address)
        WHERE id = $1`,
      [
        id,
        next.refreshHash,
        next.previousHash,
        next.at,
        next.idleExpiresAt,
        next.userAgent,
        next.ipAddress,
      ],
    );
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
  async revoke(id: string, reason: string, at: Date, tx?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (tx ?? this.dataSource).query(
      `UPDATE tower_auth.sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, at, reason],
    );
    return extractRows(rows).length > 0;
  }

  async revokeAllForUser(userId: string, reason: string, at: Date): Promise<string[]> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE tower_auth.sessions SET revoked_at = $2, revoke_reason = $3
        WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId, at, reason],
    );
    return (extractRows(rows) as { id: string }[]).map((r) => r.id);
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
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT ${columns('s')} FROM tower_auth.sessions s WHERE s.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}

/** A users row as `to_jsonb` gives it (timestamps as ISO strings; the id sent as text). */
function toUser(json: Record<string, unknown>): UserEntity {
  const date = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);
  return Object.assign(new UserEntity(), {
    id: json.id as string,
    email: json.email as string,
    emailVerified: json.email_verified === true,
    emailClaimed: json.email_claimed !== false,
    userName: json.user_name as string,
    firstName: (json.first_name as string | null) ?? null,
    lastName: (json.last_name as string | null) ?? null,
    avatar: (json.avatar as string | null) ?? null,
    status: json.status as UserEntity['status'],
    lastAccess: date(json.last_access),
    dateCreated: date(json.date_created) as Date,
    lastUpdated: date(json.last_updated) as Date,
  });
}

/** TypeORM's postgres driver answers UPDATE ... RETURNING with [rows, count]. */
function extractRows(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}
