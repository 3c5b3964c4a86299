import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a session was started for: a browser login, or the credentials a launched job gets
 * (its access and refresh tokens). Rows from before were all logins.
 */
export class SessionKind1764300000009 implements MigrationInterface {
  name = 'SessionKind1764300000009';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tower_auth.sessions ADD COLUMN kind text NOT NULL DEFAULT 'browser'
         CONSTRAINT sessions_kind_ck CHECK (kind IN ('browser', 'job'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tower_auth.sessions DROP COLUMN kind`);
  }
}
