import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows.js';

/** A row a worker has claimed: its lease runs until the worker marks it or the lease ends. */
export interface ClaimedMail {
  readonly id: string;
  readonly recipient: string;
  readonly payload: Buffer;
  /** Attempts including this one. */
  readonly attempts: number;
}

export interface OutboxCounts {
  readonly pending: number;
  readonly sent: number;
  readonly failed: number;
}

/**
 * SQL of mail_outbox. Payloads are sealed by OutboxCipher and emptied once a row is settled.
 * Queue times are the database's clock, one clock for every instance.
 */
@Injectable()
export class MailOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due rows in one statement: rows another worker holds are skipped
   * (FOR UPDATE SKIP LOCKED), and the claim moves `next_attempt_at` to the end of the lease, so
   * nobody else picks them up while they are being sent. A worker that dies mid-send leaves the
   * row to be retried when the lease ends.
   */
  async claimDue(leaseSeconds: number, limit: number): Promise<ClaimedMail[]> {
    const result: unknown = await this.dataSource.query(
      `WITH due AS (
           SELECT id FROM tower_auth.mail_outbox
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
         UPDATE tower_auth.mail_outbox m
            SET attempts = m.attempts + 1, next_attempt_at = now() + $1 * interval '1 second'
           FROM due
          WHERE m.id = due.id
         RETURNING m.id, m.recipient, m.payload, m.attempts`,
      [leaseSeconds, limit],
    );
    const rows = returnedRows(result) as ClaimedMail[];
    return rows.map((r) => ({ ...r, id: String(r.id) }));
  }

  /** False when the row is no longer this claim's (its lease ended and another worker took it). */
  async markSent(mail: ClaimedMail): Promise<boolean> {
    return this.settle(
      `UPDATE tower_auth.mail_outbox SET status = 'sent', sent_at = now(), payload = ''::bytea, last_error = NULL
        WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
      [mail.id, mail.attempts],
    );
  }

  async reschedule(mail: ClaimedMail, delaySeconds: number, error: string): Promise<boolean> {
    return this.settle(
      `UPDATE tower_auth.mail_outbox SET next_attempt_at = now() + $3 * interval '1 second', last_error = $4
        WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
      [mail.id, mail.attempts, delaySeconds, error],
    );
  }

  async markFailed(mail: ClaimedMail, error: string): Promise<boolean> {
    return this.settle(
      `UPDATE tower_auth.mail_outbox SET status = 'failed', failed_at = now(), last_error = $3, payload = ''::bytea
        WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
      [mail.id, mail.attempts, error],
    );
  }

  async counts(): Promise<OutboxCounts> {
    const rows: { status: keyof OutboxCounts; n: string }[] = await this.dataSource.query(
      `SELECT status, count(*) AS n FROM tower_auth.mail_outbox GROUP BY status`,
    );
    const counts = { pending: 0, sent: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  private async settle(sql: string, params: unknown[]): Promise<boolean> {
    const result: unknown = await this.dataSource.query(sql, params);
    return returnedRows(result).length > 0;
  }
}
