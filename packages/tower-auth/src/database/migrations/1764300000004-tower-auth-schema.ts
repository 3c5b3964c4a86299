import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table of the service, parents last (the order does not matter to SET SCHEMA). */
const TABLES = [
  'rate_limit_buckets',
  'audit_events',
  'mail_outbox',
  'ephemeral_endpoints',
  'magic_link_tokens',
  'sessions',
  'identities',
  'users',
];

/** Left on the schema by a move, so that down() knows there is something to move back. */
const MOVED_MARKER = 'tower-auth tables, moved from public by migration 1764300000004';

/** The trigger functions as migrations 1764300000001 and 1764300000003 now create them. */
const NOTIFY_BODY = `$$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('tower_auth_session_revoked', OLD.id::text);
        ELSE
          PERFORM pg_notify('tower_auth_session_revoked', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$`;
const REVOKE_BODY = `$$
      BEGIN
        UPDATE tower_auth.sessions SET revoked_at = now(), revoke_reason = 'user_disabled'
         WHERE user_id = NEW.id AND revoked_at IS NULL;
        RETURN NULL;
      END $$`;

/** The same functions as the service created them in public before this migration. */
const LEGACY_NOTIFY_BODY = `$$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('tower_session_revoked', OLD.id::text);
        ELSE
          PERFORM pg_notify('tower_session_revoked', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$`;
const LEGACY_REVOKE_BODY = `$$
      BEGIN
        UPDATE sessions SET revoked_at = now(), revoke_reason = 'user_disabled'
         WHERE user_id = NEW.id AND revoked_at IS NULL;
        RETURN NULL;
      END $$`;

/**
 * Databases migrated before the tables got their own `tower_auth` schema hold them in `public`,
 * with unqualified trigger functions and the revocation channel `tower_session_revoked`. This
 * moves them: ALTER TABLE … SET SCHEMA keeps the rows, indexes, constraints, identity sequences
 * and triggers; the trigger functions move too (the triggers follow them) and get the bodies
 * of a fresh database. Instances of the previous version must be stopped first: they neither
 * find the tables nor hear the renamed channel.
 *
 * A fresh database (migrations 1764300000000.. created `tower_auth`) is left alone, and so is a
 * host's own `public.users`: only a database where this service's migrations ran in the old
 * form (its `public.tower_notify_session_revoked()` exists) is touched.
 */
export class TowerAuthSchema1764300000004 implements MigrationInterface {
  name = 'TowerAuthSchema1764300000004';

  public async up(q: QueryRunner): Promise<void> {
    const [{ legacy }] = (await q.query(`
      SELECT to_regclass('tower_auth.users') IS NULL
         AND to_regclass('public.magic_link_tokens') IS NOT NULL
         AND to_regprocedure('public.tower_notify_session_revoked()') IS NOT NULL AS legacy`)) as {
      legacy: boolean;
    }[];
    if (!legacy) return;

    await q.query(`CREATE SCHEMA IF NOT EXISTS tower_auth`);
    for (const table of TABLES) await q.query(`ALTER TABLE public.${table} SET SCHEMA tower_auth`);

    await q.query(`ALTER FUNCTION public.tower_notify_session_revoked() SET SCHEMA tower_auth`);
    await q.query(
      `ALTER FUNCTION tower_auth.tower_notify_session_revoked() RENAME TO notify_session_revoked`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION tower_auth.notify_session_revoked() RETURNS trigger
        LANGUAGE plpgsql SET search_path = '' AS ${NOTIFY_BODY}`);

    await q.query(
      `ALTER FUNCTION public.tower_revoke_disabled_user_sessions() SET SCHEMA tower_auth`,
    );
    await q.query(
      `ALTER FUNCTION tower_auth.tower_revoke_disabled_user_sessions() RENAME TO revoke_disabled_user_sessions`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION tower_auth.revoke_disabled_user_sessions() RETURNS trigger
        LANGUAGE plpgsql SET search_path = '' AS ${REVOKE_BODY}`);

    await q.query(`COMMENT ON SCHEMA tower_auth IS '${MOVED_MARKER}'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    const rows = (await q.query(
      `SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = 'tower_auth'`,
    )) as { comment: string | null }[];
    // Created there by the migrations before this one: nothing to move back.
    if (rows[0]?.comment !== MOVED_MARKER) return;

    await q.query(`
      CREATE OR REPLACE FUNCTION tower_auth.revoke_disabled_user_sessions() RETURNS trigger
        LANGUAGE plpgsql AS ${LEGACY_REVOKE_BODY}`);
    await q.query(
      `ALTER FUNCTION tower_auth.revoke_disabled_user_sessions() RENAME TO tower_revoke_disabled_user_sessions`,
    );
    await q.query(
      `ALTER FUNCTION tower_auth.tower_revoke_disabled_user_sessions() SET SCHEMA public`,
    );

    await q.query(`
      CREATE OR REPLACE FUNCTION tower_auth.notify_session_revoked() RETURNS trigger
        LANGUAGE plpgsql AS ${LEGACY_NOTIFY_BODY}`);
    await q.query(
      `ALTER FUNCTION tower_auth.notify_session_revoked() RENAME TO tower_notify_session_revoked`,
    );
    await q.query(`ALTER FUNCTION tower_auth.tower_notify_session_revoked() SET SCHEMA public`);

    for (const table of TABLES) await q.query(`ALTER TABLE tower_auth.${table} SET SCHEMA public`);
    await q.query(`COMMENT ON SCHEMA tower_auth IS NULL`);
    await q.query(`
      DO $$ BEGIN
        DROP SCHEMA IF EXISTS tower_auth;
      EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
      END $$`);
  }
}
