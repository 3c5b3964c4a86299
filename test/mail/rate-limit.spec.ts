import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import {
  RateLimitService,
  storedKey,
} from '../../packages/tower-auth/src/rate-limit/rate-limit.service.js';
import { RateLimitRepository } from '../../packages/tower-auth/src/rate-limit/rate-limit.repository.js';
import { createDataSource } from '../../src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestClock } from '../harness/session-app.js';

describe('RateLimitService', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const clock = new TestClock();
  let limits: RateLimitService;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await createDataSource(db.url).initialize();
    limits = new RateLimitService(new RateLimitRepository(ds), clock);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('allows max hits per window, tells how long to wait, and starts over after the window', async () => {
    const limit = { max: 2, window: 60 };
    expect((await limits.hit('t1:a', limit)).allowed).toBe(true);
    clock.advance(20);
    expect((await limits.hit('t1:a', limit)).allowed).toBe(true);
    const third = await limits.hit('t1:a', limit);
    expect(third).toEqual({ allowed: false, count: 3, retryAfter: 40 });
    clock.advance(40);
    expect(await limits.hit('t1:a', limit)).toEqual({ allowed: true, count: 1, retryAfter: 60 });
  });

  it('of many concurrent hits exactly max are allowed (one atomic statement each)', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () => limits.hit('t2:burst', { max: 7, window: 60 })),
    );
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(7);
    expect(outcomes.map((o) => o.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
  });

  it('stores a hash of the key, never the address', async () => {
    await limits.hit('gate-email:ada@example.com', { max: 5, window: 60 });
    const keys: { key: string }[] = await ds.query(`SELECT key FROM tower_auth.rate_limit_buckets`);
    expect(keys.map((k) => k.key)).toContain(storedKey('gate-email:ada@example.com'));
    expect(keys.some((k) => k.key.includes('ada'))).toBe(false);
    expect(storedKey('gate-email:ada@example.com')).toMatch(/^gate-email:[0-9a-f]{64}$/);
  });
});
