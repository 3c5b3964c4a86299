import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One hit of a bucket: its stored key, and where a window starting now would end. */
export interface BucketHit {
  readonly key: string;
  readonly windowEnd: Date;
}

/** A bucket after the hit: hits in its current window, and when that window ends. */
export interface BucketCount {
  readonly key: string;
  readonly count: number;
  readonly expiresAt: Date;
}

/** SQL of rate_limit_buckets. */
@Injectable()
export class RateLimitRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts one hit of each bucket (distinct keys) in one statement: an upsert that starts a new
   * window where the old one ended by `now`, or counts into the current one. Rows are locked in
   * key order, so concurrent calls never deadlock.
   */
  async countHits(hits: readonly BucketHit[], now: Date): Promise<BucketCount[]> {
    const params: unknown[] = [now];
    const values = [...hits]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((hit) => {
        params.push(hit.key, hit.windowEnd);
        return `($${params.length - 1}, $1::timestamptz, 1, $${params.length}::timestamptz)`;
      });
    return this.dataSource.query<BucketCount[]>(
      `INSERT INTO tower_auth.rate_limit_buckets AS b (key, window_start, count, expires_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (key) DO UPDATE SET
         window_start = CASE WHEN b.expires_at <= $1 THEN $1 ELSE b.window_start END,
         count        = CASE WHEN b.expires_at <= $1 THEN 1 ELSE b.count + 1 END,
         expires_at   = CASE WHEN b.expires_at <= $1 THEN EXCLUDED.expires_at ELSE b.expires_at END
       RETURNING key, count, expires_at AS "expiresAt"`,
      params,
    );
  }
}
