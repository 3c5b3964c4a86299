import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source.js';
import { AUTH_MIGRATIONS as MIGRATIONS } from '../../packages/tower-auth/src/database/schema.js';
import { startTestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

const TABLES = [
  'access_tokens',
  'audit_events',
  'ephemeral_endpoints',
  'identities',
  'magic_link_tokens',
  'mail_outbox',
  'rate_limit_buckets',
  'sessions',
  'users',
];

async function tables(ds: DataSource, schema = 'tower_auth'): Promise<string[]> {
  const rows: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = $1 AND table_name <> 'migrations' ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    ds = createDataSource(db.url);
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('go up, down and up again', async () => {
    expect(await tables(ds)).toEqual([]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await tables(ds)).toEqual(TABLES);
    // Only TypeORM's own table stays in public: the host's namespace is left to the host.
    expect(await tables(ds, 'public')).toEqual([]);
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables(ds)).toEqual([]);
    const [schema] = await ds.query(`SELECT to_regnamespace('tower_auth') AS oid`);
    expect(schema.oid).toBeNull();
    await ds.runMigrations({ transaction: 'each' });
    expect(await tables(ds)).toEqual(TABLES);
    expect(await ds.showMigrations()).toBe(false);
  });

  it('keeps e-mails unique whatever their case', async () => {
    await ds.query(
      `INSERT INTO tower_auth.users (email, user_name) VALUES ('Ann@Example.com', 'ann')`,
    );
    await expect(
      ds.query(
        `INSERT INTO tower_auth.users (email, user_name) VALUES ('ann@example.COM', 'ann2')`,
      ),
    ).rejects.toThrow(/users_email_lower_uq/);
  });

  it('keys identities on (provider, issuer, subject) and cascades from the user', async () => {
    const [{ id }] = await ds.query(
      `INSERT INTO tower_auth.users (email, user_name) VALUES ('bob@example.com', 'bob') RETURNING id`,
    );
    const identity = `INSERT INTO tower_auth.identities (user_id, provider, issuer, subject) VALUES ($1, 'oidc', 'https://idp', 'sub-1')`;
    await ds.query(identity, [id]);
    await expect(ds.query(identity, [id])).rejects.toThrow(/identities_provider_issuer_subject_uq/);
    await ds.query(
      `INSERT INTO tower_auth.sessions (id, user_id, provider, refresh_hash, idle_expires_at, absolute_expires_at)
       VALUES (gen_random_uuid(), $1, 'oidc', '\\x01', now(), now())`,
      [id],
    );
    await ds.query(
      `INSERT INTO tower_auth.audit_events (type, user_id) VALUES ('login_success', $1)`,
      [id],
    );
    await ds.query(`DELETE FROM tower_auth.users WHERE id = $1`, [id]);
    const [counts] = await ds.query(
      `SELECT (SELECT count(*) FROM tower_auth.identities)::int AS identities,
              (SELECT count(*) FROM tower_auth.sessions)::int AS sessions,
              (SELECT count(*) FROM tower_auth.audit_events WHERE user_id IS NULL)::int AS orphaned_audit`,
    );
    expect(counts).toEqual({ identities: 0, sessions: 0, orphaned_audit: 1 });
  });

  it('indexes every expiry column the purge job scans', async () => {
    const rows: { tablename: string; indexdef: string }[] = await ds.query(
      `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'tower_auth'`,
    );
    const indexed = (table: string, column: string): boolean =>
      rows.some((r) => r.tablename === table && r.indexdef.includes(`(${column})`));
    expect(indexed('sessions', 'idle_expires_at')).toBe(true);
    expect(indexed('sessions', 'revoked_at')).toBe(true);
    expect(indexed('magic_link_tokens', 'expires_at')).toBe(true);
    expect(indexed('ephemeral_endpoints', 'expires_at')).toBe(true);
    expect(indexed('audit_events', 'created_at')).toBe(true);
    expect(indexed('rate_limit_buckets', 'expires_at')).toBe(true);
    expect(indexed('mail_outbox', 'next_attempt_at')).toBe(true);
  });
});

describe('migrations at boot', () => {
  it('the service migrates an empty database unless DB_MIGRATIONS_RUN=false', async () => {
    const db = await createTestDatabase({ empty: true });
    const ds = createDataSource(db.url);
    try {
      // Told not to migrate, it touches nothing and cannot start on an empty schema.
      await expect(
        startTestApp('fastify', { DATABASE_URL: db.url, DB_MIGRATIONS_RUN: 'false' }),
      ).rejects.toThrow(/sessions/);
      await ds.initialize();
      expect(await tables(ds)).toEqual([]);
      const migrated = await startTestApp('fastify', {
        DATABASE_URL: db.url,
        DB_MIGRATIONS_RUN: 'true',
      });
      await migrated.close();
      expect(await tables(ds)).toEqual(TABLES);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });
});
