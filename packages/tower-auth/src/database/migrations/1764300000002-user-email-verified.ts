import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a user's e-mail address has been proven: by a provider that vouches for it (a verified
 * GitHub address, `email_verified` from an OpenID provider) or by a redeemed magic link. A user
 * created by a magic-link request stays unverified until the link is clicked. Only verified
 * addresses link a new identity to an existing user and only they match e-mail entries of
 * TOWER_ROOT_USERS.
 */
export class UserEmailVerified1764300000002 implements MigrationInterface {
  name = 'UserEmailVerified1764300000002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tower_auth.users ADD COLUMN email_verified boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tower_auth.users DROP COLUMN email_verified`);
  }
}
