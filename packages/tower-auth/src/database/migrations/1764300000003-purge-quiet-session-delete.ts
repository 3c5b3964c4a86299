import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The purge deletes sessions in batches of thousands. Deleting an unrevoked session normally
 * announces a revocation (a deleted user's tokens must stop working), but the purge only
 * deletes sessions that expired or were revoked longer ago than any access token lives
 * (PurgeService.cutoffs): announcing those would flood every instance's revoked-session set
 * for nothing. The purge's connection sets `tower.purge = on`; every other delete (a user
 * removed, an operator's SQL) still notifies.
 */
export class PurgeQuietSessionDelete1764300000003 implements MigrationInterface {
  name = 'PurgeQuietSessionDelete1764300000003';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sessions_deleted_notify ON tower_auth.sessions`);
    await q.query(`
      CREATE TRIGGER sessions_deleted_notify
        AFTER DELETE ON tower_auth.sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL AND current_setting('tower.purge', true) IS DISTINCT FROM 'on')
        EXECUTE FUNCTION tower_auth.notify_session_revoked()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sessions_deleted_notify ON tower_auth.sessions`);
    await q.query(`
      CREATE TRIGGER sessions_deleted_notify
        AFTER DELETE ON tower_auth.sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL)
        EXECUTE FUNCTION tower_auth.notify_session_revoked()`);
  }
}
