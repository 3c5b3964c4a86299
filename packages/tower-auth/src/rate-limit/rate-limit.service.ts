import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RateLimit } from '../config/tower-config.types.js';

export interface RateLimitOutcome {
  /** False once the window holds more than `max` hits. */
  readonly allowed: boolean;
  /** Hits in the current window, this one included. */
  readonly count: number;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` value. */
  readonly retryAfter: number;
}

export interface RateLimitHit {
  /** E.g. `gate-email:ada@example.com`: the part before the first colon is kept as the scope. */
  readonly key: string;
  readonly limit: RateLimit;
}

/**
 * Fixed-window counters in Postgres (rate_limit_buckets), so every instance shares them. One
 * statement per call, however many keys: an upsert that starts a new window where the old one
 * has ended, or counts into the current one. The stored key is `<scope>:<sha256 of the whole
 * key>`: the table never holds an e-mail or a client address. Rows are locked in key order, so
 * concurrent calls never deadlock. The purge job deletes buckets past `expires_at`.
 */
@Injectable()
export class RateLimitService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Counts one hit of `key` against `limit`. */
  async hit(key: string, limit: RateLimit): Promise<RateLimitOutcome> {
    const [outcome] = await this.hitAll([{ key, limit }]);
    return outcome;
  }

  /** Counts one hit of each key (distinct keys), in one round trip; outcomes in the given order. */
  async hitAll(hits: readonly RateLimitHit[]): Promise<RateLimitOutcome[]> {
    const now = this.clock.now();
    const buckets = hits
      .map((hit) => ({ ...hit, stored: storedKey(hit.key) }))
      .sort((a, b) => (a.stored < b.stored ? -1 : a.stored > b.stored ? 1 : 0));
    const params: unknown[] = [new Date(now)];
    const values = buckets.map((bucket) => {
      params.push(bucket.stored, new Date(now + bucket.limit.window * 1000));
      return `($${params.length - 1}, $1::timestamptz, 1, $${params.length}::timestamptz)`;
    });
    const rows: { key: string; count: number; expires_at: Date }[] = await this.dataSource.query(
      `INSERT INTO tower_auth.rate_limit_buckets AS b (key, window_start, count, expires_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (key) DO UPDATE SET
         window_start = CASE WHEN b.expires_at <= $1 THEN $1 ELSE b.window_start END,
         count        = CASE WHEN b.expires_at <= $1 THEN 1 ELSE b.count + 1 END,
         expires_at   = CASE WHEN b.expires_at <= $1 THEN EXCLUDED.expires_at ELSE b.expires_at END
       RETURNING key, count, expires_at`,
      params,
    );
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return hits.map((hit) => {
      const { count, expires_at: expiresAt } = byKey.get(storedKey(hit.key))!;
      return {
        allowed: count <= hit.limit.max,
        count,
        retryAfter: Math.max(1, Math.ceil((expiresAt.getTime() - now) / 1000)),
      };
    });
  }
}

/** `gate-email:ada@example.com` → `gate-email:<sha256 hex>`; a key without a scope is all hashed. */
export function storedKey(key: string): string {
  const colon = key.indexOf(':');
  const scope = colon > 0 && colon <= 32 ? key.slice(0, colon) : 'key';
  return `${scope}:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
