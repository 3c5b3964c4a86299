import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocation reaches access tokens (docs/architecture.md): every instance LISTENs on
 * `tower_auth_session_revoked` and keeps the revoked session ids in memory. The database, not
 * the application, sends the notification, so no code path (logout, refresh-token replay, admin
 * SQL, user deletion or disabling) can revoke a session without telling the other instances.
 * NOTIFY is delivered on commit only, so a rolled-back revocation is never announced.
 *
 * The functions name their tables in full and pin an empty search_path: they behave the same
 * whatever the search_path of the session that fires them (a host's, an operator's psql).
 */
export class SessionRevocationNotify1764300000001 implements MigrationInterface {
  name = 'SessionRevocationNotify1764300000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tower_auth.notify_session_revoked() RETURNS trigger
        LANGUAGE plpgsql SET search_path = '' AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('tower_auth_session_revoked', OLD.id::text);
        ELSE
          PERFORM pg_notify('tower_auth_session_revoked', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$`);
    // Only the first revocation notifies: re-revoking (or editing the reason) is not news.
    await q.query(`
      CREATE TRIGGER sessions_revoked_notify
        AFTER UPDATE OF revoked_at ON tower_auth.sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
        EXECUTE FUNCTION tower_auth.notify_session_revoked()`);
    // Deleting a user cascades to its sessions: their access tokens must stop working too.
    await q.query(`
      CREATE TRIGGER sessions_deleted_notify
        AFTER DELETE ON tower_auth.sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL)
        EXECUTE FUNCTION tower_auth.notify_session_revoked()`);

    // Disabling a user revokes its sessions, which then notify through the trigger above.
    await q.query(`
      CREATE FUNCTION tower_auth.revoke_disabled_user_sessions() RETURNS trigger
        LANGUAGE plpgsql SET search_path = '' AS $$
      BEGIN
        UPDATE tower_auth.sessions SET revoked_at = now(), revoke_reason = 'user_disabled'
         WHERE user_id = NEW.id AND revoked_at IS NULL;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER users_disabled_revoke_sessions
        AFTER UPDATE OF status ON tower_auth.users FOR EACH ROW
        WHEN (NEW.status = 'disabled' AND OLD.status <> 'disabled')
        EXECUTE FUNCTION tower_auth.revoke_disabled_user_sessions()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS users_disabled_revoke_sessions ON tower_auth.users`);
    await q.query(`DROP FUNCTION IF EXISTS tower_auth.revoke_disabled_user_sessions()`);
    await q.query(`DROP TRIGGER IF EXISTS sessions_deleted_notify ON tower_auth.sessions`);
    await q.query(`DROP TRIGGER IF EXISTS sessions_revoked_notify ON tower_auth.sessions`);
    await q.query(`DROP FUNCTION IF EXISTS tower_auth.notify_session_revoked()`);
  }
}
