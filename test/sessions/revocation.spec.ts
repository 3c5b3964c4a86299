import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { systemClock, type Clock } from '../../packages/tower-auth/src/common/clock.js';
import type { TowerConfig } from '../../packages/tower-auth/src/config/tower-config.types.js';
import {
  REVOCATION_APPLICATION_NAME,
  RevocationService,
} from '../../packages/tower-auth/src/sessions/revocation.service.js';
import { AccessTokenCache } from '../../packages/tower-auth/src/access-tokens/access-token.cache.js';
import { KeyRing } from '../../packages/tower-auth/src/tokens/key-ring.js';
import { TokenService } from '../../packages/tower-auth/src/tokens/token.service.js';
import { createDataSource } from '../../src/database/data-source.js';
import { testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/** A clock the test moves. */
class MovableClock implements Clock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('RevocationService', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let config: TowerConfig;
  const services: RevocationService[] = [];

  const make = (clock: Clock): RevocationService =>
    new RevocationService(
      ds,
      config,
      clock,
      new TokenService(config, clock, new KeyRing(config)),
      new AccessTokenCache(),
    );

  async function start(): Promise<RevocationService> {
    const service = make(systemClock);
    services.push(service);
    await service.onModuleInit();
    return service;
  }

  async function user(): Promise<string> {
    const name = `u${randomUUID().slice(0, 8)}`;
    const [{ id }] = await ds.query(
      `INSERT INTO tower_auth.users (email, user_name) VALUES ($1, $2) RETURNING id`,
      [`${name}@example.com`, name],
    );
    return String(id);
  }

  async function session(userId: string): Promise<string> {
    const sid = randomUUID();
    await ds.query(
      `INSERT INTO tower_auth.sessions (id, user_id, provider, refresh_hash, idle_expires_at, absolute_expires_at)
       VALUES ($1, $2, 'email', $3, now() + interval '1 hour', now() + interval '1 day')`,
      [sid, userId, Buffer.from(sid)],
    );
    return sid;
  }

  const revoke = (sid: string): Promise<unknown> =>
    ds.query(`UPDATE tower_auth.sessions SET revoked_at = now() WHERE id = $1`, [sid]);
  const seenByAll = (sid: string, on: RevocationService[]) => () =>
    on.every((s) => s.isRevoked(sid));

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    config = testConfig({ DATABASE_URL: db.url });
  });

  afterAll(async () => {
    for (const s of services) await s.onApplicationShutdown();
    await ds?.destroy();
    await db?.drop();
  });

  it('tells every instance about a revocation made elsewhere within a second', async () => {
    const [a, b] = [await start(), await start()];
    expect(a.isReady && b.isReady).toBe(true);
    const sid = await session(await user());
    const other = await session(await user());
    expect(a.isRevoked(sid) || b.isRevoked(sid)).toBe(false);
    await revoke(sid);
    expect(await eventually(seenByAll(sid, [a, b]), 1000)).toBe(true);
    expect(a.isRevoked(other) || b.isRevoked(other)).toBe(false);
  });

  it('revokes the sessions of a deleted or disabled user', async () => {
    const [a, b] = [await start(), await start()];
    const deleted = await user();
    const [d1, d2] = [await session(deleted), await session(deleted)];
    const disabled = await user();
    const s1 = await session(disabled);
    await ds.query(`DELETE FROM tower_auth.users WHERE id = $1`, [deleted]);
    await ds.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [disabled]);
    for (const sid of [d1, d2, s1]) {
      expect(await eventually(seenByAll(sid, [a, b]), 1000)).toBe(true);
    }
    const [row] = await ds.query(`SELECT revoke_reason FROM tower_auth.sessions WHERE id = $1`, [
      s1,
    ]);
    expect(row.revoke_reason).toBe('user_disabled');
  });

  it('loads at start the sessions revoked before it', async () => {
    const sid = await session(await user());
    await revoke(sid);
    const late = await start();
    expect(late.isRevoked(sid)).toBe(true);
  });

  it('knows a local revocation at once', () => {
    const service = make(systemClock);
    const sid = randomUUID();
    service.markRevoked(sid);
    expect(service.isRevoked(sid)).toBe(true);
  });

  it('reconnects, re-listens and reloads after losing its connection', async () => {
    const service = await start();
    const [before, after] = [await session(await user()), await session(await user())];
    const [{ count }] = await ds.query(
      `SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [REVOCATION_APPLICATION_NAME],
    );
    expect(count).toBeGreaterThan(0);
    // Revoked while the listener is likely down: only the reload can find it.
    await revoke(before);
    expect(await eventually(() => service.isRevoked(before), 5000)).toBe(true);
    expect(await eventually(() => service.isReady, 5000)).toBe(true);
    // And the new connection listens.
    await revoke(after);
    expect(await eventually(() => service.isRevoked(after), 1000)).toBe(true);
  });

  it('forgets an id once no access token of its session can be valid', () => {
    const clock = new MovableClock();
    const service = make(clock);
    const windowMs = (config.auth.accessTokenExpiration + 30) * 1000;
    const [first, second] = [randomUUID(), randomUUID()];
    service.markRevoked(first);
    clock.time += windowMs - 1;
    expect(service.isRevoked(first)).toBe(true);
    service.markRevoked(second);
    clock.time += 1;
    expect(service.isRevoked(first)).toBe(false);
    expect(service.isRevoked(second)).toBe(true);
    clock.time += windowMs;
    service.markRevoked(randomUUID());
    expect(service.size).toBe(1);
  });

  it('stops reconnecting once shut down', async () => {
    const service = await start();
    await service.onApplicationShutdown();
    expect(service.isReady).toBe(false);
    const listeners = async (): Promise<number> => {
      const [{ count }]: { count: number }[] = await ds.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE application_name = $1 AND datname = current_database()`,
        [REVOCATION_APPLICATION_NAME],
      );
      return count;
    };
    // Only the instances of the earlier tests remain (a closed backend may linger a moment).
    const expected = services.filter((s) => s.isReady).length;
    const deadline = Date.now() + 2000;
    while ((await listeners()) !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await listeners()).toBe(expected);
  });
});
