import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows.js';
import type { SealedContent } from './ephemeral-crypto.js';

export interface NewEphemeral extends SealedContent {
  readonly idHash: Buffer;
  readonly contentType: string;
  readonly createdBy: string | null;
  readonly expiresAt: Date;
}

export interface ConsumedEphemeral extends SealedContent {
  readonly contentType: string;
  /** The exact value written, so a restore only undoes this consumption. */
  readonly consumedAt: Date;
}

export interface LiveEphemeral {
  readonly contentType: string;
  readonly ciphertextLength: number;
}

/** SQL about ephemeral_endpoints; every lookup is by the hash of the id. */
@Injectable()
export class EphemeralRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: NewEphemeral): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO tower_auth.ephemeral_endpoints (id_hash, salt, nonce, ciphertext, content_type, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.idHash,
        row.salt,
        row.nonce,
        row.ciphertext,
        row.contentType,
        row.createdBy,
        row.expiresAt,
      ],
    );
  }

  /** One statement: of any number of concurrent callers, exactly one gets the row. */
  async consumeByHash(idHash: Buffer, now: Date): Promise<ConsumedEphemeral | null> {
    const result: unknown = await this.dataSource.query(
      `UPDATE tower_auth.ephemeral_endpoints SET consumed_at = $2
        WHERE id_hash = $1 AND consumed_at IS NULL AND expires_at > $2
        RETURNING salt, nonce, ciphertext, content_type AS "contentType", consumed_at AS "consumedAt"`,
      [idHash, now],
    );
    const rows = returnedRows(result) as ConsumedEphemeral[];
    return rows[0] ?? null;
  }

  /** Undoes the consumption that returned `consumedAt` (the response never reached the client). */
  async restore(idHash: Buffer, consumedAt: Date): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE tower_auth.ephemeral_endpoints SET consumed_at = NULL
        WHERE id_hash = $1 AND consumed_at = $2 RETURNING 1`,
      [idHash, consumedAt],
    );
    return returnedRows(result).length === 1;
  }

  /** What a HEAD answers: the endpoint is live, its type and size; nothing is consumed. */
  async findLiveByHash(idHash: Buffer, now: Date): Promise<LiveEphemeral | null> {
    const rows: LiveEphemeral[] = await this.dataSource.query(
      `SELECT content_type AS "contentType", octet_length(ciphertext) AS "ciphertextLength"
         FROM tower_auth.ephemeral_endpoints
        WHERE id_hash = $1 AND consumed_at IS NULL AND expires_at > $2`,
      [idHash, now],
    );
    return rows[0] ?? null;
  }
}
