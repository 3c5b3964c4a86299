import type pg from 'pg';

/*
 * Rows for the purge to chew on (test/purge and bench/purge.ts). Each row carries a marker in
 * a free-text column — 'garbage', 'live' or 'concurrent' — so a test counts what went and
 * what stayed. Times are relative to the database's now() and the default retentions
 * (sessions and e-mails 7 days, audit 90 days, restore window of ephemeral endpoints 10 min).
 */

export type Marker = 'garbage' | 'live' | 'concurrent';

/** Where each table keeps the marker. */
const MARKER_COLUMN = {
  sessions: 'provider',
  magic_link_tokens: 'ip_address',
  ephemeral_endpoints: 'content_type',
  mail_outbox: 'recipient',
  audit_events: 'type',
  rate_limit_buckets: 'key',
} as const;
export type GarbageTable = keyof typeof MARKER_COLUMN;
export const GARBAGE_TABLES = Object.keys(MARKER_COLUMN) as GarbageTable[];

/** Share of the rows each table gets. */
const SHARE: Record<GarbageTable, number> = {
  sessions: 0.25,
  magic_link_tokens: 0.15,
  ephemeral_endpoints: 0.15,
  mail_outbox: 0.1,
  audit_events: 0.25,
  rate_limit_buckets: 0.1,
};

type Variant = (marker: Marker) => string;

/**
 * One INSERT … SELECT per variant; `$1` is the number of rows, `g` the series, `m` the marker.
 * Garbage variants cover every reason a row goes; live ones the near misses that must stay.
 */
const ROWS: Record<GarbageTable, { garbage: Variant[]; live: Variant[] }> = {
  sessions: {
    garbage: [
      session(`now() + interval '1 h'`, `now() + interval '1 d'`, `now() - interval '8 d'`),
      session(`now() - interval '8 d'`, `now() + interval '1 d'`, 'NULL'),
      session(`now() - interval '9 d'`, `now() - interval '8 d'`, 'NULL'),
    ],
    live: [
      session(`now() + interval '1 h'`, `now() + interval '1 d'`, 'NULL'),
      session(`now() + interval '1 h'`, `now() + interval '1 d'`, `now() - interval '6 d'`),
      session(`now() - interval '1 h'`, `now() + interval '1 d'`, 'NULL'),
    ],
  },
  magic_link_tokens: {
    garbage: [
      magicLink(`now() - interval '1 s'`, 'NULL'),
      magicLink(`now() + interval '1 h'`, 'now()'),
    ],
    live: [magicLink(`now() + interval '30 min'`, 'NULL')],
  },
  ephemeral_endpoints: {
    garbage: [
      ephemeral(`now() - interval '1 s'`, 'NULL'),
      ephemeral(`now() + interval '1 h'`, `now() - interval '11 min'`),
    ],
    live: [
      ephemeral(`now() + interval '6 h'`, 'NULL'),
      ephemeral(`now() + interval '6 h'`, `now() - interval '1 min'`),
    ],
  },
  mail_outbox: {
    garbage: [
      outbox('sent', `now() - interval '8 d'`, 'NULL'),
      outbox('failed', 'NULL', `now() - interval '8 d'`),
    ],
    live: [outbox('pending', 'NULL', 'NULL'), outbox('sent', `now() - interval '6 d'`, 'NULL')],
  },
  audit_events: {
    garbage: [audit(`now() - interval '91 d'`)],
    live: [audit(`now() - interval '89 d'`), audit('now()')],
  },
  rate_limit_buckets: {
    garbage: [(m) => bucket(m, `now() - interval '1 s'`)],
    live: [(m) => bucket(m, `now() + interval '1 min'`)],
  },
};

function session(idle: string, absolute: string, revoked: string): Variant {
  return (
    m,
  ) => `INSERT INTO tower_auth.sessions (id, user_id, provider, refresh_hash, idle_expires_at,
                   absolute_expires_at, revoked_at, created_at)
    SELECT gen_random_uuid(), (SELECT min(id) FROM tower_auth.users), '${m}', uuid_send(gen_random_uuid()),
           ${idle}, ${absolute}, ${revoked}, now() - interval '10 d'
      FROM generate_series(1, $1) g`;
}

function magicLink(expires: string, consumed: string): Variant {
  return (
    m,
  ) => `INSERT INTO tower_auth.magic_link_tokens (user_id, token_hash, expires_at, consumed_at, ip_address)
    SELECT (SELECT min(id) FROM tower_auth.users), uuid_send(gen_random_uuid()), ${expires}, ${consumed}, '${m}'
      FROM generate_series(1, $1) g`;
}

function ephemeral(expires: string, consumed: string): Variant {
  return (
    m,
  ) => `INSERT INTO tower_auth.ephemeral_endpoints (id_hash, salt, nonce, ciphertext, content_type,
                   expires_at, consumed_at)
    SELECT uuid_send(gen_random_uuid()), '\\x00', '\\x00', '\\x0000', '${m}', ${expires}, ${consumed}
      FROM generate_series(1, $1) g`;
}

function outbox(status: string, sent: string, failed: string): Variant {
  // Not due for a day: the mail worker of a running app leaves a pending row alone.
  return (m) => `INSERT INTO tower_auth.mail_outbox (recipient, payload, status, sent_at, failed_at,
                   next_attempt_at, created_at)
    SELECT '${m}', '\\x00', '${status}', ${sent}, ${failed}, now() + interval '1 d',
           now() - interval '10 d'
      FROM generate_series(1, $1) g`;
}

function audit(created: string): Variant {
  return (m) => `INSERT INTO tower_auth.audit_events (type, created_at)
    SELECT '${m}', ${created} FROM generate_series(1, $1) g`;
}

function bucket(m: Marker, expires: string): string {
  return `INSERT INTO tower_auth.rate_limit_buckets (key, window_start, count, expires_at)
    SELECT '${m}:' || gen_random_uuid(), now() - interval '1 h', 1, ${expires}
      FROM generate_series(1, $1) g`;
}

type Query = Pick<pg.Client, 'query'>;

/** How many rows of each marker a table holds. */
export type MarkerCounts = Record<GarbageTable, number>;

/**
 * Inserts about `garbage` rows the purge must delete and `live` rows it must keep, spread
 * over the tables; returns the exact numbers per table.
 */
export async function seedRows(
  db: Query,
  garbage: number,
  live: number,
): Promise<{ garbage: MarkerCounts; live: MarkerCounts }> {
  await db.query(
    `INSERT INTO tower_auth.users (email, user_name)
     SELECT 'purge-owner@example.com', 'purge-owner' WHERE NOT EXISTS (SELECT 1 FROM tower_auth.users)`,
  );
  const result = { garbage: {} as MarkerCounts, live: {} as MarkerCounts };
  for (const table of GARBAGE_TABLES) {
    for (const marker of ['garbage', 'live'] as const) {
      const variants = ROWS[table][marker];
      const total = Math.round((marker === 'garbage' ? garbage : live) * SHARE[table]);
      let inserted = 0;
      for (const [i, variant] of variants.entries()) {
        const n = Math.floor(total / variants.length) + (i < total % variants.length ? 1 : 0);
        await db.query(variant(marker), [n]);
        inserted += n;
      }
      result[marker][table] = inserted;
    }
  }
  await db.query('ANALYZE');
  return result;
}

/** Rows with `marker`, per table. */
export async function countRows(db: Query, marker: Marker): Promise<MarkerCounts> {
  const counts = {} as MarkerCounts;
  for (const table of GARBAGE_TABLES) {
    const column = MARKER_COLUMN[table];
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tower_auth.${table} WHERE ${column} = $1 OR ${column} LIKE $2`,
      [marker, `${marker}:%`],
    );
    counts[table] = rows[0].n;
  }
  return counts;
}

/** One live row into `table`, marked 'concurrent' (what users do while the purge runs). */
export function insertConcurrent(db: Query, table: GarbageTable): Promise<unknown> {
  const variant = ROWS[table].live[0];
  return db.query(variant('concurrent'), [1]);
}
