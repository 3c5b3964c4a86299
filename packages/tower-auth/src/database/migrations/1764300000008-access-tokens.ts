import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal access tokens (Nextflow's and tw's TOWER_ACCESS_TOKEN): only a SHA-256 of each
 * token's secret is stored. Every instance keeps the tokens it has seen in memory, so the
 * database tells them when one must stop working, as it does for sessions: deleting a token
 * (its user's deletion cascades here) notifies its id, disabling a user notifies `user:<id>`.
 * NOTIFY is delivered on commit only, so a rolled-back delete is never announced.
 */
export class AccessTokens1764300000008 implements MigrationInterface {
  name = 'AccessTokens1764300000008';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tower_auth.access_tokens (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id       bigint NOT NULL REFERENCES tower_auth.users (id) ON DELETE CASCADE,
        name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
        token_hash    bytea NOT NULL,
        date_created  timestamptz NOT NULL DEFAULT now(),
        last_used     timestamptz,
        last_used_ip  text,
        expires_at    timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX access_tokens_user_name_uq ON tower_auth.access_tokens (user_id, lower(name))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX access_tokens_hash_uq ON tower_auth.access_tokens (token_hash)`,
    );
    await q.query(
      `CREATE INDEX access_tokens_expires_at_idx ON tower_auth.access_tokens (expires_at) WHERE expires_at IS NOT NULL`,
    );

    await q.query(`
      CREATE FUNCTION tower_auth.notify_access_token_revoked() RETURNS trigger
        LANGUAGE plpgsql SET search_path = '' AS $$
      BEGIN
        IF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('tower_auth_access_token_revoked', 'user:' || NEW.id::text);
        ELSE
          PERFORM pg_notify('tower_auth_access_token_revoked', OLD.id::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER access_tokens_deleted_notify
        AFTER DELETE ON tower_auth.access_tokens FOR EACH ROW
        EXECUTE FUNCTION tower_auth.notify_access_token_revoked()`);
    await q.query(`
      CREATE TRIGGER users_disabled_notify_access_tokens
        AFTER UPDATE OF status ON tower_auth.users FOR EACH ROW
        WHEN (NEW.status = 'disabled' AND OLD.status <> 'disabled')
        EXECUTE FUNCTION tower_auth.notify_access_token_revoked()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS users_disabled_notify_access_tokens ON tower_auth.users`);
    await q.query(`DROP TABLE IF EXISTS tower_auth.access_tokens`);
    await q.query(`DROP FUNCTION IF EXISTS tower_auth.notify_access_token_revoked()`);
  }
}
