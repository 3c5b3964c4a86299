import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { REVOCATION_CHANNEL } from '../../packages/tower-auth/src/sessions/revocation.service.js';
import { createDataSource } from '../../src/database/data-source.js';
import { AUTH_MIGRATIONS as MIGRATIONS } from '../../packages/tower-auth/src/database/schema.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/** The service's schema before its tables moved to `tower_auth` (see the file's header). */
const LEGACY_FIXTURE = new URL('./fixtures/legacy-public-schema.sql', import.meta.url);

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

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

const onClient =
  (client: pg.Client): Query =>
  async (sql, params) =>
    (await client.query(sql, params)).rows as Record<string, unknown>[];
const onDataSource =
  (ds: DataSource): Query =>
  (sql, params) =>
    ds.query(sql, params);

/**
 * Everything a migration defines in `schema`, as Postgres prints it back: relations (tables,
 * indexes, sequences), columns, constraints, indexes, triggers and functions. TypeORM's own
 * `migrations` table is left out. Two databases with equal snapshots have the same schema.
 */
async function snapshot(query: Query, schema: string): Promise<Record<string, unknown>> {
  const ws = (rows: Record<string, unknown>[]): string[] =>
    rows.map((r) => String(r.def).replace(/\s+/g, ' ').trim());
  const params = [schema];
  const migrations = `to_regclass('public.migrations')`;
  const own = `c.oid IS DISTINCT FROM ${migrations} AND c.relname <> 'migrations_id_seq'
    AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid = ${migrations})`;
  return {
    relations: ws(
      await query(
        `SELECT c.relkind::text || ' ' || c.relname AS def FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND ${own} ORDER BY 1`,
        params,
      ),
    ),
    columns: ws(
      await query(
        // The column's place among the live ones: a column dropped and added again leaves a gap
        // in attnum that a database which never dropped it does not have.
        `SELECT concat_ws(' ', c.relname,
                  row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
                  format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid)) AS def
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            AND ${own} ORDER BY 1`,
        params,
      ),
    ),
    constraints: ws(
      await query(
        `SELECT c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS def
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND ${own} ORDER BY 1`,
        params,
      ),
    ),
    indexes: ws(
      await query(
        `SELECT indexdef AS def FROM pg_indexes
          WHERE schemaname = $1 AND tablename <> 'migrations' ORDER BY 1`,
        params,
      ),
    ),
    triggers: ws(
      await query(
        `SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1`,
        params,
      ),
    ),
    functions: ws(
      await query(
        `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
        params,
      ),
    ),
  };
}

/** A database in the shape the service left it before this version, with some data. */
async function legacyDatabase(): Promise<{ db: TestDatabase; ids: Record<string, string> }> {
  const db = await createTestDatabase({ empty: true });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(await readFile(LEGACY_FIXTURE, 'utf8'));
    const one = async (sql: string, params: unknown[] = []): Promise<string> =>
      String((await client.query<{ id: unknown }>(sql, params)).rows[0].id);
    const user = await one(
      `INSERT INTO public.users (email, user_name, email_verified)
       VALUES ('ada@example.com', 'ada', true) RETURNING id`,
    );
    const other = await one(
      `INSERT INTO public.users (email, user_name) VALUES ('bob@example.com', 'bob') RETURNING id`,
    );
    const identity = await one(
      `INSERT INTO public.identities (user_id, provider, issuer, subject, email, email_verified)
       VALUES ($1, 'github', 'https://github.com', '4242', 'ada@example.com', true) RETURNING id`,
      [user],
    );
    const session = randomUUID();
    const otherSession = randomUUID();
    for (const [id, owner] of [
      [session, user],
      [otherSession, other],
    ]) {
      await client.query(
        `INSERT INTO public.sessions (id, user_id, provider, refresh_hash, idle_expires_at, absolute_expires_at)
         VALUES ($1, $2, 'github', $3, now() + interval '1 hour', now() + interval '1 day')`,
        [id, owner, Buffer.from(id)],
      );
    }
    const audit = await one(
      `INSERT INTO public.audit_events (type, user_id, provider, detail)
       VALUES ('login_success', $1, 'github', '{"via":"legacy"}') RETURNING id`,
      [user],
    );
    return { db, ids: { user, other, identity, session, otherSession, audit } };
  } finally {
    await client.end();
  }
}

/** A client LISTENing on the revocation channel the service listens on. */
async function listen(
  url: string,
): Promise<{ next: () => Promise<string>; end: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const received: string[] = [];
  let wake: (() => void) | null = null;
  client.on('notification', (n) => {
    if (n.channel !== REVOCATION_CHANNEL) return;
    received.push(n.payload ?? '');
    wake?.();
  });
  await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
  return {
    next: async () => {
      while (received.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no notification within 5 s')), 5000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      wake = null;
      return received.shift() as string;
    },
    end: () => client.end(),
  };
}

describe('a database migrated before the tower_auth schema', () => {
  let db: TestDatabase;
  let ids: Record<string, string>;
  let ds: DataSource;
  let fresh: TestDatabase;
  let freshDs: DataSource;
  let legacyShape: Record<string, unknown>;

  beforeAll(async () => {
    ({ db, ids } = await legacyDatabase());
    ds = createDataSource(db.url);
    await ds.initialize();
    legacyShape = await snapshot(onDataSource(ds), 'public');
    fresh = await createTestDatabase();
    freshDs = createDataSource(fresh.url);
    await freshDs.initialize();
  });

  afterAll(async () => {
    await freshDs?.destroy();
    await fresh?.drop();
    await ds?.destroy();
    await db?.drop();
  });

  it('moves every table into tower_auth with its rows, and leaves nothing in public', async () => {
    expect(legacyShape.relations).toContain('r users');
    const ran = await ds.runMigrations({ transaction: 'each' });
    // The move, then the migrations that came after it.
    const move = MIGRATIONS.findIndex((m) => m.name === 'TowerAuthSchema1764300000004');
    expect(ran.map((m) => m.name)).toEqual(MIGRATIONS.slice(move).map((m) => m.name));

    const [user] = await ds.query(
      `SELECT id::text, email, user_name, email_verified FROM tower_auth.users WHERE id = $1`,
      [ids.user],
    );
    expect(user).toEqual({
      id: ids.user,
      email: 'ada@example.com',
      user_name: 'ada',
      email_verified: true,
    });
    const [identity] = await ds.query(
      `SELECT user_id::text, provider, subject FROM tower_auth.identities WHERE id = $1`,
      [ids.identity],
    );
    expect(identity).toEqual({ user_id: ids.user, provider: 'github', subject: '4242' });
    const sessions: { id: string }[] = await ds.query(
      `SELECT id FROM tower_auth.sessions WHERE revoked_at IS NULL ORDER BY id`,
    );
    expect(sessions.map((s) => s.id)).toEqual([ids.session, ids.otherSession].sort());
    const [audit] = await ds.query(
      `SELECT type, user_id::text, detail FROM tower_auth.audit_events WHERE id = $1`,
      [ids.audit],
    );
    expect(audit).toEqual({ type: 'login_success', user_id: ids.user, detail: { via: 'legacy' } });

    // The identity sequences moved with their tables and go on from where they were.
    const [next] = await ds.query(
      `INSERT INTO tower_auth.users (email, user_name) VALUES ('cy@example.com', 'cy') RETURNING id::text`,
    );
    expect(BigInt(next.id)).toBeGreaterThan(BigInt(ids.other));

    const left = await snapshot(onDataSource(ds), 'public');
    expect(left).toEqual({
      relations: [],
      columns: [],
      constraints: [],
      indexes: [],
      triggers: [],
      functions: [],
    });
  });

  it('ends with exactly the schema a fresh database gets', async () => {
    expect(await snapshot(onDataSource(ds), 'tower_auth')).toEqual(
      await snapshot(onDataSource(freshDs), 'tower_auth'),
    );
  });

  it('announces revocations on the new channel, whatever the search_path', async () => {
    const listener = await listen(db.url);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // A caller whose search_path does not reach our tables: the trigger functions still work.
      await client.query(`SET search_path = pg_catalog`);
      await client.query(`UPDATE tower_auth.sessions SET revoked_at = now() WHERE id = $1`, [
        ids.session,
      ]);
      expect(await listener.next()).toBe(ids.session);
      await client.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [
        ids.other,
      ]);
      expect(await listener.next()).toBe(ids.otherSession);
      const { rows } = await client.query(
        `SELECT revoke_reason FROM tower_auth.sessions WHERE id = $1`,
        [ids.otherSession],
      );
      expect(rows[0].revoke_reason).toBe('user_disabled');
    } finally {
      await client.end();
      await listener.end();
    }
  });

  it('moves back on down() and forward again on up()', async () => {
    // Undo what came after the move, then the move itself.
    const move = MIGRATIONS.findIndex((m) => m.name === 'TowerAuthSchema1764300000004');
    for (let i = move; i < MIGRATIONS.length; i++) {
      await ds.undoLastMigration({ transaction: 'each' });
    }
    expect(await snapshot(onDataSource(ds), 'public')).toEqual(legacyShape);
    const [schema] = await ds.query(`SELECT to_regnamespace('tower_auth') AS oid`);
    expect(schema.oid).toBeNull();
    const [back] = await ds.query(`SELECT count(*)::int AS n FROM public.users`);
    expect(back.n).toBe(3);

    await ds.runMigrations({ transaction: 'each' });
    const [again] = await ds.query(`SELECT count(*)::int AS n FROM tower_auth.users`);
    expect(again.n).toBe(3);
    expect((await snapshot(onDataSource(ds), 'public')).relations).toEqual([]);
    expect(await snapshot(onDataSource(ds), 'tower_auth')).toEqual(
      await snapshot(onDataSource(freshDs), 'tower_auth'),
    );
  });
});

describe('a host database that already has users and sessions in public', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let host: Query;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    host = onClient(client);
    await host(`CREATE TABLE public.users (id serial PRIMARY KEY, name text)`);
    await host(
      `CREATE TABLE public.sessions (id serial PRIMARY KEY, user_id int REFERENCES public.users (id), data text)`,
    );
    await host(`CREATE TABLE public.audit_events (id serial PRIMARY KEY, what text)`);
    await host(`INSERT INTO public.users (name) VALUES ('host-user')`);
    await host(`INSERT INTO public.sessions (user_id, data) VALUES (1, 'host-session')`);
    await host(`INSERT INTO public.audit_events (what) VALUES ('host-event')`);
    ds = createDataSource(db.url);
    await ds.initialize();
  });

  afterEach(async () => {
    expect(await host(`SELECT id, name FROM public.users`)).toEqual([{ id: 1, name: 'host-user' }]);
    expect(await host(`SELECT user_id, data FROM public.sessions`)).toEqual([
      { user_id: 1, data: 'host-session' },
    ]);
    expect(await host(`SELECT what FROM public.audit_events`)).toEqual([{ what: 'host-event' }]);
  });

  afterAll(async () => {
    await client?.end();
    await ds?.destroy();
    await db?.drop();
  });

  it('migrates cleanly next to them and leaves them untouched', async () => {
    const before = await snapshot(host, 'public');
    // As a host may run them: all in one transaction, next to its own migrations.
    const ran = await ds.runMigrations({ transaction: 'all' });
    expect(ran).toHaveLength(MIGRATIONS.length);
    expect(await snapshot(host, 'public')).toEqual(before);
    const ours: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'tower_auth' ORDER BY 1`,
    );
    expect(ours.map((t) => t.table_name)).toEqual(TABLES);
    await ds.query(`INSERT INTO tower_auth.users (email, user_name) VALUES ('a@example.com', 'a')`);
  });

  it('reverts every migration without touching them', async () => {
    const before = await snapshot(host, 'public');
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await snapshot(host, 'public')).toEqual(before);
    const [schema] = await ds.query(`SELECT to_regnamespace('tower_auth') AS oid`);
    expect(schema.oid).toBeNull();
  });
});
