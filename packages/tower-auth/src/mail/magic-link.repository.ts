import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows.js';

export interface NewMagicLink {
  readonly userId: string;
  /** SHA-256 of the token; the token itself is never stored. */
  readonly tokenHash: Buffer;
  readonly expiresAt: Date;
  readonly ipAddress: string | null;
}

export interface SealedMail {
  readonly recipient: string;
  readonly payload: Buffer;
}

/** SQL of magic_link_tokens. */
@Injectable()
export class MagicLinkRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The token and its e-mail in one statement, so one commit: no mail without its token, no
   * token without its mail. Returns the outbox row's id.
   */
  async insertWithMail(link: NewMagicLink, mail: SealedMail, at: Date): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH token AS (
         INSERT INTO tower_auth.magic_link_tokens (user_id, token_hash, expires_at, ip_address, created_at)
         VALUES ($1, $2, $3, $4, $5))
       INSERT INTO tower_auth.mail_outbox (recipient, payload) VALUES ($6, $7) RETURNING id`,
      [
        link.userId,
        link.tokenHash,
        link.expiresAt,
        link.ipAddress,
        at,
        mail.recipient,
        mail.payload,
      ],
    );
    return String(rows[0].id);
  }

  /**
   * The round trips of a request for a known user (a user lookup, then one statement on both
   * tables), writing nothing: a refused address answers after about the same time as an
   * admitted one, so timing does not tell them apart.
   */
  async rehearse(email: string): Promise<void> {
    await this.dataSource.query(
      `SELECT id FROM tower_auth.users WHERE lower(email) = $1 AND email_claimed`,
      [email],
    );
    await this.dataSource.query(
      `SELECT (SELECT count(*) FROM tower_auth.magic_link_tokens WHERE token_hash = $1)
            + (SELECT count(*) FROM tower_auth.mail_outbox WHERE id = 0) AS n`,
      [randomBytes(32)],
    );
  }

  /**
   * Consumes the token in one statement: of any number of concurrent callers exactly one gets
   * the user id back; a used, expired or unknown token (or another user's) gets null.
   */
  async consume(tokenHash: Buffer, userId: string, at: Date): Promise<string | null> {
    const result: unknown = await this.dataSource.query(
      `UPDATE tower_auth.magic_link_tokens SET consumed_at = $3
        WHERE token_hash = $1 AND user_id = $2 AND consumed_at IS NULL AND expires_at > $3
        RETURNING user_id`,
      [tokenHash, userId, at],
    );
    const rows = returnedRows(result) as { user_id: string }[];
    return rows.length === 1 ? String(rows[0].user_id) : null;
  }

  /** Read-only: whether `consume` would succeed now (the confirmation page; consumes nothing). */
  async isRedeemable(tokenHash: Buffer, userId: string, at: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM tower_auth.magic_link_tokens
        WHERE token_hash = $1 AND user_id = $2 AND consumed_at IS NULL AND expires_at > $3`,
      [tokenHash, userId, at],
    );
    return rows.length > 0;
  }
}
