import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { PromMetrics } from '../../src/observability/prom-metrics.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, TestClock, type SessionApp } from '../harness/session-app.js';

const refresh = (t: SessionApp, token: string) =>
  request(t.server)
    .post('/oauth/access_token')
    .type('form')
    .send({ grant_type: 'refresh_token', refresh_token: token });

async function revokedReason(t: SessionApp, sessionId: string): Promise<string | null> {
  const [row] = await t.dataSource.query(
    `SELECT revoke_reason FROM tower_auth.sessions WHERE id = $1`,
    [sessionId],
  );
  return (row as { revoke_reason: string | null }).revoke_reason;
}

async function refreshesCounted(t: SessionApp, result: string): Promise<number> {
  const metric = await t.app
    .get(PromMetrics)
    .registry.getSingleMetric('tower_auth_refreshes_total')
    ?.get();
  return metric?.values.find((v) => v.labels.result === result)?.value ?? 0;
}

describe('refresh-token rotation', () => {
  let db: TestDatabase;
  let t: SessionApp;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp('fastify', { DATABASE_URL: db.url }, clock);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('rotates on every refresh, each new access token working', async () => {
    const { tokens } = await t.login();
    let current = tokens.refreshToken;
    const seen = new Set([current]);
    for (let i = 0; i < 5; i++) {
      clock.advance(60);
      const res = await refresh(t, current).expect(200);
      expect(seen.has(res.body.refresh_token)).toBe(false);
      seen.add(res.body.refresh_token);
      current = res.body.refresh_token;
      await request(t.server)
        .get('/user-info')
        .auth(res.body.access_token, { type: 'bearer' })
        .expect(200);
    }
  });

  it('stores refresh tokens only as hashes', async () => {
    const { tokens } = await t.login();
    const rows: unknown[] = await t.dataSource.query(
      `SELECT * FROM tower_auth.sessions WHERE id = $1`,
      [tokens.sessionId],
    );
    expect(JSON.stringify(rows)).not.toContain(tokens.refreshToken);
    expect(JSON.stringify(rows)).not.toContain(Buffer.from(tokens.refreshToken).toString('hex'));
  });

  it('gives 20 concurrent refreshes with one token the same new pair', async () => {
    const { tokens } = await t.login();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => refresh(t, tokens.refreshToken)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.refresh_token as string)).size).toBe(1);
    const [{ generation }] = await t.dataSource.query(
      `SELECT generation FROM tower_auth.sessions WHERE id = $1`,
      [tokens.sessionId],
    );
    expect(generation).toBe(1);
  });

  it('writes one refresh audit row per rotation, none for a grace replay', async () => {
    const { user, tokens } = await t.login();
    const refreshRows = async () =>
      (
        await t.dataSource.query(
          `SELECT provider, ip_address FROM tower_auth.audit_events WHERE type = 'refresh' AND user_id = $1`,
          [user.id],
        )
      ).length as number;
    const first = await refresh(t, tokens.refreshToken).expect(200);
    // Written by the rotation's own statement: there when the answer is.
    expect(await refreshRows()).toBe(1);
    await refresh(t, tokens.refreshToken).expect(200);
    expect(await refreshRows()).toBe(1);
    await refresh(t, first.body.refresh_token).expect(200);
    expect(await refreshRows()).toBe(2);
  });

  it('answers a replay of the previous token inside the grace window with the same new token', async () => {
    const { tokens } = await t.login();
    const first = await refresh(t, tokens.refreshToken).expect(200);
    clock.advance(20);
    const replay = await refresh(t, tokens.refreshToken).expect(200);
    expect(replay.body.refresh_token).toBe(first.body.refresh_token);
    await request(t.server)
      .get('/user-info')
      .auth(replay.body.access_token, { type: 'bearer' })
      .expect(200);
    // The successor still rotates normally afterwards.
    await refresh(t, first.body.refresh_token).expect(200);
  });

  it('refuses a replay after the grace window and revokes the session', async () => {
    const { tokens } = await t.login();
    const first = await refresh(t, tokens.refreshToken).expect(200);
    clock.advance(31);
    const replay = await refresh(t, tokens.refreshToken).expect(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant', statusCode: 400 });
    expect(await revokedReason(t, tokens.sessionId)).toBe('refresh_token_reused');
    await refresh(t, first.body.refresh_token).expect(400);
    await request(t.server)
      .get('/user-info')
      .auth(first.body.access_token, { type: 'bearer' })
      .expect(401);
  });

  it('detects a token older than the previous one and revokes the family', async () => {
    const { tokens } = await t.login();
    const first = await refresh(t, tokens.refreshToken).expect(200);
    const second = await refresh(t, first.body.refresh_token).expect(200);
    await refresh(t, tokens.refreshToken).expect(400);
    expect(await revokedReason(t, tokens.sessionId)).toBe('refresh_token_reused');
    await refresh(t, second.body.refresh_token).expect(400);
    await waitFor(async () => {
      const events: unknown[] = await t.dataSource.query(
        `SELECT 1 FROM tower_auth.audit_events WHERE type = 'refresh_token_reused' AND detail->>'sessionId' = $1`,
        [tokens.sessionId],
      );
      return events.length >= 1;
    });
  });

  it('ends a session idle for longer than the refresh expiration, and slides it on use', async () => {
    const { tokens } = await t.login();
    const idle = t.config.auth.refreshTokenExpiration;
    clock.advance(idle - 60);
    const res = await refresh(t, tokens.refreshToken).expect(200);
    clock.advance(idle - 60);
    const again = await refresh(t, res.body.refresh_token).expect(200);
    clock.advance(idle + 1);
    await refresh(t, again.body.refresh_token).expect(400);
  });

  it('caps a session at its maximum lifetime however often it is refreshed', async () => {
    const { tokens } = await t.login();
    const step = Math.floor(t.config.auth.refreshTokenExpiration / 2);
    let current = tokens.refreshToken;
    let elapsed = 0;
    while (elapsed + step < t.config.auth.sessionMaxLifetime) {
      clock.advance(step);
      elapsed += step;
      current = (await refresh(t, current).expect(200)).body.refresh_token as string;
    }
    clock.advance(step);
    await refresh(t, current).expect(400);
  });

  it('refuses to refresh after logout', async () => {
    const { tokens } = await t.login();
    await request(t.server)
      .post('/logout')
      .set('accept', 'application/json')
      .auth(tokens.accessToken, { type: 'bearer' })
      .expect(200);
    const revokedBefore = await refreshesCounted(t, 'revoked');
    const res = await refresh(t, tokens.refreshToken).expect(400);
    expect(res.body.error).toBe('invalid_grant');
    // Counted as what it is, not as an expiry.
    expect(await refreshesCounted(t, 'revoked')).toBe(revokedBefore + 1);
    await request(t.server)
      .get('/user-info')
      .auth(tokens.accessToken, { type: 'bearer' })
      .expect(401);
  });

  it('refuses a disabled user at the next refresh and at once on the guard', async () => {
    const { user, tokens } = await t.login();
    await t.dataSource.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [
      user.id,
    ]);
    await refresh(t, tokens.refreshToken).expect(400);
    await waitFor(
      async () =>
        (await request(t.server).get('/user-info').auth(tokens.accessToken, { type: 'bearer' }))
          .status === 401,
    );
  });
});

describe('root users', () => {
  it('get the root role from TOWER_ROOT_USERS by id or e-mail, decided again at refresh', async () => {
    const db = await createTestDatabase();
    const t = await startSessionApp('fastify', {
      DATABASE_URL: db.url,
      TOWER_ROOT_USERS: 'Boss@Example.com',
    });
    try {
      const boss = await t.login({ email: 'boss@example.com' });
      const staff = await t.login();
      expect(boss.tokens.roles).toEqual(['user', 'root']);
      expect(staff.tokens.roles).toEqual(['user']);
      await request(t.server)
        .get('/admin/users')
        .auth(boss.tokens.accessToken, { type: 'bearer' })
        .expect(200);
      const denied = await request(t.server)
        .get('/admin/users')
        .auth(staff.tokens.accessToken, { type: 'bearer' })
        .expect(403);
      expect(denied.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      const revoked = await request(t.server)
        .delete(`/api/admin/users/${staff.user.id}/sessions`)
        .auth(boss.tokens.accessToken, { type: 'bearer' })
        .expect(200);
      expect(revoked.body).toEqual({ revoked: 1 });
      await request(t.server)
        .get('/user-info')
        .auth(staff.tokens.accessToken, { type: 'bearer' })
        .expect(401);
      // Audit rows are written after the answer (best effort), so the list catches up.
      await waitFor(async () => {
        const audit = await request(t.server)
          .get('/admin/audit?type=session_revoked')
          .auth(boss.tokens.accessToken, { type: 'bearer' })
          .expect(200);
        return (audit.body as { total: number }).total >= 1;
      });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});

describe('two instances on one database', () => {
  it('a changed TOWER_JWT_SECRET ends every session, not only its access tokens', async () => {
    const db = await createTestDatabase();
    const before = await startSessionApp('fastify', { DATABASE_URL: db.url });
    const { tokens } = await before.login();
    await before.close();
    const after = await startSessionApp('fastify', {
      DATABASE_URL: db.url,
      TOWER_JWT_SECRET: 'another-secret-of-at-least-35-characters-xyz',
    });
    try {
      const refused = await refresh(after, tokens.refreshToken).expect(400);
      expect(refused.body).toMatchObject({ error: 'invalid_grant' });
      await request(after.server)
        .get('/user-info')
        .auth(tokens.accessToken, { type: 'bearer' })
        .expect(401);
      // A session started under the new secret works.
      const fresh = await after.login();
      await refresh(after, fresh.tokens.refreshToken).expect(200);
    } finally {
      await after.close();
      await db.drop();
    }
  });

  it('a session revoked on one is refused by the other within a second', async () => {
    const db = await createTestDatabase();
    const a = await startSessionApp('fastify', { DATABASE_URL: db.url });
    const b = await startSessionApp('express', { DATABASE_URL: db.url });
    try {
      const { tokens } = await a.login();
      const refreshed = await refresh(b, tokens.refreshToken).expect(200);
      await request(b.server)
        .get('/user-info')
        .auth(refreshed.body.access_token, { type: 'bearer' })
        .expect(200);
      await request(a.server)
        .post('/logout')
        .set('accept', 'application/json')
        .auth(refreshed.body.access_token, { type: 'bearer' })
        .expect(200);
      const started = Date.now();
      await waitFor(
        async () =>
          (
            await request(b.server)
              .get('/user-info')
              .auth(refreshed.body.access_token, { type: 'bearer' })
          ).status === 401,
      );
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}
