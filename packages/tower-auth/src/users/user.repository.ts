import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { entityColumns, type EntityColumns } from '../database/entity-columns.js';
import { returnedRows } from '../database/rows.js';
import { UserEntity } from './user.entity.js';

export interface UserPage {
  items: UserEntity[];
  total: number;
}

/** An identity at a login provider: unique, and it points at one user. */
export interface IdentityKey {
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
}

/** What a login knows of a user it creates; the rest are the columns' defaults. */
export interface NewUser {
  email: string;
  emailVerified: boolean;
  emailClaimed: boolean;
  userName: string;
  firstName: string | null;
  lastName: string | null;
  avatar: string | null;
}

/**
 * The statements on users (others only join the columns they need). Methods that take `tx`
 * run in the caller's transaction (a login's writes), the others on the pool.
 */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every column of the entity under the alias `u`, read once the data source knows it. */
  private columnsCache: EntityColumns<UserEntity> | null = null;

  private get columns(): EntityColumns<UserEntity> {
    return (this.columnsCache ??= entityColumns(this.dataSource, UserEntity, 'u'));
  }

  async findById(id: string, tx?: EntityManager): Promise<UserEntity | null> {
    const sql = `SELECT ${this.columns.select} FROM tower_auth.users u WHERE u.id = $1`;
    return this.one(tx, sql, [id]);
  }

  /**
   * The user who holds this address (lower-cased, as the unique index compares). Others may
   * carry it unproven (an OIDC login whose provider did not verify it); they are not its owner.
   */
  async findByEmail(normalizedEmail: string, tx?: EntityManager): Promise<UserEntity | null> {
    return this.one(
      tx,
      `SELECT ${this.columns.select} FROM tower_auth.users u WHERE lower(u.email) = $1 AND u.email_claimed`,
      [normalizedEmail],
    );
  }

  async findByIdentity(key: IdentityKey, tx?: EntityManager): Promise<UserEntity | null> {
    return this.one(
      tx,
      `SELECT ${this.columns.select} FROM tower_auth.users u
         JOIN tower_auth.identities i ON i.user_id = u.id
        WHERE i.provider = $1 AND i.issuer = $2 AND i.subject = $3`,
      [key.provider, key.issuer, key.subject],
    );
  }

  /** Those of `ids` (bigint-shaped) that name a user. */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id::text AS id FROM tower_auth.users WHERE id = ANY($1::bigint[])`,
      [[...ids]],
    );
    return new Set(rows.map((row) => row.id));
  }

  async touchLastAccess(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE tower_auth.users SET last_access = $2, last_updated = now() WHERE id = $1`,
      [id, at],
    );
  }

  /** Oldest first; `emailFilter` matches any part of the address, case-insensitively. */
  async page(offset: number, max: number, emailFilter: string | null): Promise<UserPage> {
    const pattern = emailFilter ? `%${escapeLike(emailFilter.toLowerCase())}%` : null;
    const matching = `FROM tower_auth.users u WHERE ($1::text IS NULL OR lower(u.email) LIKE $1)`;
    const [rows, counted] = await Promise.all([
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT ${this.columns.select} ${matching} ORDER BY u.id LIMIT $2 OFFSET $3`,
        [pattern, max, offset],
      ),
      this.dataSource.query<{ total: number }[]>(`SELECT count(*)::int AS total ${matching}`, [
        pattern,
      ]),
    ]);
    return { items: rows.map((row) => this.columns.read(row)), total: counted[0].total };
  }

  /** A redeemed link or a vouching provider proved the address the user holds. */
  async markEmailVerified(id: string, tx: EntityManager): Promise<void> {
    await tx.query(
      `UPDATE tower_auth.users SET email_verified = true, last_updated = now()
        WHERE id = $1 AND NOT email_verified AND email_claimed`,
      [id],
    );
  }

  /** Takes the address over (verified) unless another user holds it; false when it did not. */
  async claimEmail(id: string, email: string, tx: EntityManager): Promise<boolean> {
    const result: unknown = await tx.query(
      `UPDATE tower_auth.users SET email_claimed = true, email_verified = true, last_updated = now()
        WHERE id = $1 AND NOT email_claimed
          AND NOT EXISTS (SELECT 1 FROM tower_auth.users o WHERE lower(o.email) = $2 AND o.email_claimed)
        RETURNING id`,
      [id, email],
    );
    return returnedRows(result).length === 1;
  }

  async isUserNameTaken(name: string, tx: EntityManager): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM tower_auth.users WHERE lower(user_name) = lower($1)`,
      [name],
    );
    return rows.length > 0;
  }

  async insert(user: NewUser, tx: EntityManager): Promise<UserEntity> {
    const rows: Record<string, unknown>[] = await tx.query(
      `INSERT INTO tower_auth.users AS u
         (email, email_verified, email_claimed, user_name, first_name, last_name, avatar)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${this.columns.select}`,
      [
        user.email,
        user.emailVerified,
        user.emailClaimed,
        user.userName,
        user.firstName,
        user.lastName,
        user.avatar,
      ],
    );
    return this.columns.read(rows[0]);
  }

  private async one(
    tx: EntityManager | undefined,
    sql: string,
    params: unknown[],
  ): Promise<UserEntity | null> {
    const rows: Record<string, unknown>[] = await (tx ?? this.dataSource.manager).query(
      sql,
      params,
    );
    return rows.length > 0 ? this.columns.read(rows[0]) : null;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
