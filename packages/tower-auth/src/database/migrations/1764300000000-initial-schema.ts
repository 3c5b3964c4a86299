import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole login schema, in its own Postgres schema `tower_auth`. Every column a purge or a
 * lookup filters on has an index; secret columns hold hashes or ciphertext only; rows owned by
 * a user cascade from it.
 */
export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    // Its own schema: a host application's `users` or `sessions` in `public` never collide.
    await q.query(`CREATE SCHEMA IF NOT EXISTS tower_auth`);
    await q.query(`
      CREATE TABLE tower_auth.users (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email         text NOT NULL,
        user_name     text NOT NULL,
        first_name    text,
        last_name     text,
        avatar        text,
        status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        last_access   timestamptz,
        date_created  timestamptz NOT NULL DEFAULT now(),
        last_updated  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_uq ON tower_auth.users (lower(email))`);
    await q.query(
      `CREATE UNIQUE INDEX users_user_name_lower_uq ON tower_auth.users (lower(user_name))`,
    );

    await q.query(`
      CREATE TABLE tower_auth.identities (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id         bigint NOT NULL REFERENCES tower_auth.users (id) ON DELETE CASCADE,
        provider        text NOT NULL,
        issuer          text NOT NULL,
        subject         text NOT NULL,
        email           text,
        email_verified  boolean NOT NULL DEFAULT false,
        created_at      timestamptz NOT NULL DEFAULT now(),
        last_login_at   timestamptz,
        CONSTRAINT identities_provider_issuer_subject_uq UNIQUE (provider, issuer, subject)
      )`);
    await q.query(`CREATE INDEX identities_user_id_idx ON tower_auth.identities (user_id)`);

    await q.query(`
      CREATE TABLE tower_auth.sessions (
        id                   uuid PRIMARY KEY,
        user_id              bigint NOT NULL REFERENCES tower_auth.users (id) ON DELETE CASCADE,
        provider             text NOT NULL,
        refresh_hash         bytea NOT NULL,
        previous_hash        bytea,
        rotated_at           timestamptz,
        generation           integer NOT NULL DEFAULT 0,
        idle_expires_at      timestamptz NOT NULL,
        absolute_expires_at  timestamptz NOT NULL,
        revoked_at           timestamptz,
        revoke_reason        text,
        user_agent           text,
        ip_address           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        last_refresh_at      timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX sessions_refresh_hash_uq ON tower_auth.sessions (refresh_hash)`,
    );
    await q.query(
      `CREATE INDEX sessions_previous_hash_idx ON tower_auth.sessions (previous_hash) WHERE previous_hash IS NOT NULL`,
    );
    await q.query(`CREATE INDEX sessions_user_id_idx ON tower_auth.sessions (user_id)`);
    await q.query(
      `CREATE INDEX sessions_idle_expires_at_idx ON tower_auth.sessions (idle_expires_at)`,
    );
    await q.query(
      `CREATE INDEX sessions_absolute_expires_at_idx ON tower_auth.sessions (absolute_expires_at)`,
    );
    await q.query(
      `CREATE INDEX sessions_revoked_at_idx ON tower_auth.sessions (revoked_at) WHERE revoked_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE tower_auth.magic_link_tokens (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id      bigint NOT NULL REFERENCES tower_auth.users (id) ON DELETE CASCADE,
        token_hash   bytea NOT NULL,
        expires_at   timestamptz NOT NULL,
        consumed_at  timestamptz,
        ip_address   text,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX magic_link_tokens_hash_uq ON tower_auth.magic_link_tokens (token_hash)`,
    );
    await q.query(
      `CREATE INDEX magic_link_tokens_user_id_idx ON tower_auth.magic_link_tokens (user_id)`,
    );
    await q.query(
      `CREATE INDEX magic_link_tokens_expires_at_idx ON tower_auth.magic_link_tokens (expires_at)`,
    );
    await q.query(
      `CREATE INDEX magic_link_tokens_consumed_at_idx ON tower_auth.magic_link_tokens (consumed_at) WHERE consumed_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE tower_auth.ephemeral_endpoints (
        id_hash       bytea PRIMARY KEY,
        salt          bytea NOT NULL,
        nonce         bytea NOT NULL,
        ciphertext    bytea NOT NULL,
        content_type  text NOT NULL,
        created_by    bigint REFERENCES tower_auth.users (id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz NOT NULL,
        consumed_at   timestamptz
      )`);
    await q.query(
      `CREATE INDEX ephemeral_endpoints_expires_at_idx ON tower_auth.ephemeral_endpoints (expires_at)`,
    );
    await q.query(
      `CREATE INDEX ephemeral_endpoints_consumed_at_idx ON tower_auth.ephemeral_endpoints (consumed_at) WHERE consumed_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ephemeral_endpoints_created_by_idx ON tower_auth.ephemeral_endpoints (created_by)`,
    );

    await q.query(`
      CREATE TABLE tower_auth.mail_outbox (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recipient        text NOT NULL,
        payload          bytea NOT NULL,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        sent_at          timestamptz,
        failed_at        timestamptz,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX mail_outbox_due_idx ON tower_auth.mail_outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX mail_outbox_sent_at_idx ON tower_auth.mail_outbox (sent_at) WHERE sent_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX mail_outbox_failed_at_idx ON tower_auth.mail_outbox (failed_at) WHERE failed_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE tower_auth.audit_events (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type        text NOT NULL,
        user_id     bigint REFERENCES tower_auth.users (id) ON DELETE SET NULL,
        provider    text,
        ip_address  text,
        detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX audit_events_created_at_idx ON tower_auth.audit_events (created_at)`,
    );
    await q.query(
      `CREATE INDEX audit_events_type_created_at_idx ON tower_auth.audit_events (type, created_at)`,
    );
    await q.query(
      `CREATE INDEX audit_events_user_id_created_at_idx ON tower_auth.audit_events (user_id, created_at)`,
    );

    await q.query(`
      CREATE TABLE tower_auth.rate_limit_buckets (
        key           text PRIMARY KEY,
        window_start  timestamptz NOT NULL,
        count         integer NOT NULL DEFAULT 0,
        expires_at    timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX rate_limit_buckets_expires_at_idx ON tower_auth.rate_limit_buckets (expires_at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'rate_limit_buckets',
      'audit_events',
      'mail_outbox',
      'ephemeral_endpoints',
      'magic_link_tokens',
      'sessions',
      'identities',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS tower_auth.${table}`);
    }
    // Left in place when something else lives there (a host's own object, a later migration's).
    await q.query(`
      DO $$ BEGIN
        DROP SCHEMA IF EXISTS tower_auth;
      EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
      END $$`);
  }
}
