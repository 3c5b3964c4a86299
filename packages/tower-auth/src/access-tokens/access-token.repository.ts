import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows.js';

/** A token as its owner sees it; never its secret or hash. */
export interface AccessTokenRow {
  id: string;
  userId: string;
  name: string;
  dateCreated: Date;
  lastUsed: Date | null;
  expiresAt: Date | null;
}

/** What the guard needs to verify a key and build the principal: one primary-key read. */
export interface AccessTokenCredential {
  id: string;
  userId: string;
  tokenHash: Buffer;
  expiresAt: Date | null;
  email: string;
  userStatus: string;
  emailVerified: boolean;
  emailClaimed: boolean;
}

/** A use just recorded, with the address of the use before it. */
export interface RecordedUse {
  id: string;
  userId: string;
  previousIp: string | null;
  ip: string | null;
}

const ROW = `t.id::text AS id, t.user_id::text AS "userId", t.name, t.date_created AS "dateCreated",
  t.last_used AS "lastUsed", t.expires_at AS "expiresAt"`;

/** A unique violation of the (user, lower(name)) index. */
export function isNameClash(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    constraint?: unknown;
    driverError?: { constraint?: unknown };
  };
  const constraint = e.constraint ?? e.driverError?.constraint;
  return e.code === '23505' && constraint === 'access_tokens_user_name_uq';
}

@Injectable()
export class AccessTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(token: {
    userId: string;
    name: string;
    tokenHash: Buffer;
    expiresAt: Date | null;
    at: Date;
  }): Promise<AccessTokenRow> {
    const rows: AccessTokenRow[] = await this.dataSource.query(
      `INSERT INTO tower_auth.access_tokens AS t (user_id, name, token_hash, expires_at, date_created)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${ROW}`,
      [token.userId, token.name, token.tokenHash, token.expiresAt, token.at],
    );
    return rows[0];
  }

  /** Newest first. */
  listForUser(userId: string): Promise<AccessTokenRow[]> {
    return this.dataSource.query(
      `SELECT ${ROW} FROM tower_auth.access_tokens t WHERE t.user_id = $1 ORDER BY t.id DESC`,
      [userId],
    );
  }

  async credential(id: string): Promise<AccessTokenCredential | null> {
    const rows: AccessTokenCredential[] = await this.dataSource.query(
      `SELECT t.id::text AS id, t.user_id::text AS "userId", t.token_hash AS "tokenHash",
              t.expires_at AS "expiresAt", u.email, u.status AS "userStatus",
              u.email_verified AS "emailVerified", u.email_claimed AS "emailClaimed"
         FROM tower_auth.access_tokens t JOIN tower_auth.users u ON u.id = t.user_id
        WHERE t.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The deleted row (its owner, for the audit), or null; `userId` null: any owner. */
  async delete(id: string, userId: string | null): Promise<{ id: string; userId: string } | null> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM tower_auth.access_tokens
        WHERE id = $1 AND ($2::bigint IS NULL OR user_id = $2::bigint)
        RETURNING id::text AS id, user_id::text AS "userId"`,
      [id, userId],
    );
    const rows = returnedRows(result) as { id: string; userId: string }[];
    return rows[0] ?? null;
  }

  async deleteAllForUser(userId: string): Promise<string[]> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM tower_auth.access_tokens WHERE user_id = $1 RETURNING id::text AS id`,
      [userId],
    );
    const rows = returnedRows(result) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /**
   * Records uses of several tokens in one statement and returns, for each token still there,
   * the address of its previous recorded use, so that a use from a new address can be audited.
   */
  async recordUses(
    uses: readonly { id: string; at: Date; ipAddress: string | null }[],
  ): Promise<RecordedUse[]> {
    if (uses.length === 0) return [];
    const result: unknown = await this.dataSource.query(
      `WITH input AS (
           SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS i (id, at, ip)),
         previous AS (
           SELECT t.id, t.last_used_ip FROM tower_auth.access_tokens t
             JOIN input ON input.id = t.id ORDER BY t.id FOR UPDATE OF t)
         UPDATE tower_auth.access_tokens t
            SET last_used = greatest(t.last_used, input.at),
                last_used_ip = coalesce(input.ip, t.last_used_ip)
           FROM input JOIN previous ON previous.id = input.id
          WHERE t.id = input.id
        RETURNING t.id::text AS id, t.user_id::text AS "userId",
                  previous.last_used_ip AS "previousIp", input.ip AS ip`,
      [uses.map((u) => u.id), uses.map((u) => u.at), uses.map((u) => u.ipAddress)],
    );
    return returnedRows(result) as RecordedUse[];
  }
}
