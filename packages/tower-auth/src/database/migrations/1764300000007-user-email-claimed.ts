import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a user holds its e-mail address: magic links for the address and logins that verify
 * it find this user. An OpenID provider that does not say the address is verified (Entra ID
 * never sends `email_verified`) only authenticates its subject, so such a login gets a user of
 * its own that merely shows the address: several of them may share it with the user that holds
 * it, hence a uniqueness over held addresses only.
 */
export class UserEmailClaimed1764300000007 implements MigrationInterface {
  name = 'UserEmailClaimed1764300000007';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tower_auth.users ADD COLUMN email_claimed boolean NOT NULL DEFAULT true`,
    );
    await q.query(`DROP INDEX tower_auth.users_email_lower_uq`);
    await q.query(
      `CREATE UNIQUE INDEX users_email_lower_uq ON tower_auth.users (lower(email)) WHERE email_claimed`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // Every address unique again: a user that shows another's address gets a placeholder
    // (`.invalid` never resolves), and so does every such user after the first of an address.
    await q.query(`
      UPDATE tower_auth.users u SET email = u.id || '@unverified.invalid'
       WHERE NOT u.email_claimed
         AND (EXISTS (SELECT 1 FROM tower_auth.users o WHERE lower(o.email) = lower(u.email) AND o.email_claimed)
              OR EXISTS (SELECT 1 FROM tower_auth.users o WHERE lower(o.email) = lower(u.email)
                          AND NOT o.email_claimed AND o.id < u.id))`);
    await q.query(`DROP INDEX tower_auth.users_email_lower_uq`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_uq ON tower_auth.users (lower(email))`);
    await q.query(`ALTER TABLE tower_auth.users DROP COLUMN email_claimed`);
  }
}
