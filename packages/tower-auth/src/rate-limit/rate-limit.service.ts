import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RateLimit } from '../config/tower-config.types.js';
import { RateLimitRepository } from './rate-limit.repository.js';

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
 * Fixed-window counters in Postgres (rate_limit_buckets), so every instance shares them; one
 * statement per call, however many keys (RateLimitRepository.countHits). The stored key is
 * `<scope>:<sha256 of the whole key>`: the table never holds an e-mail or a client address.
 * The purge job deletes buckets past `expires_at`.
 */
@Injectable()
export class RateLimitService {
  constructor(
    private readonly buckets: RateLimitRepository,
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
    const rows = await this.buckets.countHits(
      hits.map((hit) => ({
        key: storedKey(hit.key),
        windowEnd: new Date(now + hit.limit.window * 1000),
      })),
      new Date(now),
    );
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return hits.map((hit) => {
      const { count, expiresAt } = byKey.get(storedKey(hit.key))!;
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
