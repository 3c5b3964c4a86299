import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AuthError } from '../common/auth-error.js';
import { normaliseEmail } from './email.js';
import { IdentityEntity } from './identity.entity.js';
import { RootUsersService } from './root-users.service.js';
import { UserEntity } from './user.entity.js';

/** What a login method knows about the person once the provider has vouched for them. */
export interface ProviderProfile {
  /** `github`, `google`, `oidc` or `email`. */
  provider: string;
  /** The issuer (OIDC `iss`, the GitHub server URL, `email` for magic links). */
  issuer: string;
  /** Stable id at that issuer (OIDC `sub`, GitHub numeric id). */
  subject: string;
  /** The account e-mail; normalised here. */
  email: string | null;
  /** True only when the provider vouches for the address (policy is the provider's). */
  emailVerified: boolean;
  /**
   * The provider did not vouch for the address and the policy admits the login anyway: a new
   * identity gets a user of its own that merely shows the address (see UserEntity.emailClaimed).
   */
  unverifiedEmailAdmitted?: boolean;
  /** Preferred user name (a GitHub login); derived from the e-mail when absent or taken. */
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  avatar?: string | null;
}

const UNIQUE_VIOLATION = '23505';
const ATTEMPTS = 3;

/** The users a transaction created, announced once it has committed. */
type Created = { user: UserEntity; provider: string }[];

/**
 * Users and their identities (SPEC §2 "Accounts"): one user per verified e-mail. An identity is
 * keyed on (provider, issuer, subject), never on e-mail alone. A new identity whose e-mail the
 * provider verified links to the existing user with that e-mail. An unverified e-mail never
 * links (that would let whoever controls an unverified address claim the account of its real
 * owner): the login is refused, or, when the provider's policy admits it, gets a user of its
 * own that does not hold the address. Disabled users are refused. Audit rows of this work are
 * written in its transaction.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly rootUsers: RootUsersService,
  ) {}

  /**
   * The user behind a provider login, linking or creating as needed. Throws AuthError
   * (`email_unverified`, `not_allowed`).
   */
  async signIn(profile: ProviderProfile): Promise<UserEntity> {
    const email = profile.email === null ? null : normaliseEmail(profile.email);
    return this.write((tx, created) => this.signInWith(tx, created, profile, email));
  }

  /**
   * The user a magic link is requested for: found by e-mail, or created unverified (the address
   * is proven only when the link is redeemed). Null when the address is invalid.
   */
  async userForEmail(rawEmail: string): Promise<UserEntity | null> {
    const email = normaliseEmail(rawEmail);
    if (email === null) return null;
    return this.write(async (tx, created) => {
      const existing = await this.findByEmail(tx, email);
      if (existing) return existing;
      return this.createUser(tx, created, { email, emailVerified: false }, 'email');
    });
  }

  /**
   * A redeemed magic link proves the address: mark it verified and record the e-mail identity.
   * Returns the user, or null when it no longer exists.
   */
  async confirmEmailLogin(userId: string, at: Date): Promise<UserEntity | null> {
    return this.retryingRaces(() =>
      this.dataSource.transaction(async (tx) => {
        await tx.query(
          `UPDATE tower_auth.users SET email_verified = true, last_updated = now()
            WHERE id = $1 AND NOT email_verified AND email_claimed`,
          [userId],
        );
        // Read after the update, in the same transaction: the row as it now is.
        const user = await tx.getRepository(UserEntity).findOneBy({ id: userId });
        if (!user) return null;
        await this.upsertIdentity(
          tx,
          user.id,
          {
            provider: 'email',
            issuer: 'email',
            subject: user.email.toLowerCase(),
            email: user.email,
            emailVerified: true,
          },
          at,
        );
        return user;
      }),
    );
  }

  private async signInWith(
    tx: EntityManager,
    created: Created,
    profile: ProviderProfile,
    email: string | null,
  ): Promise<UserEntity> {
    const linked = await this.findByIdentity(tx, profile);
    if (linked) {
      await this.upsertIdentity(tx, linked.id, { ...profile, email }, new Date());
      usable(linked);
      if (profile.emailVerified && email !== null) await this.claimEmail(tx, linked, email);
      return linked;
    }
    if (email === null) {
      throw new AuthError('email_unverified', 'the provider returned no usable e-mail address');
    }
    if (!profile.emailVerified) {
      if (!profile.unverifiedEmailAdmitted) {
        throw new AuthError('email_unverified', 'the provider did not verify the e-mail address');
      }
      return this.createWithIdentity(tx, created, profile, email, false);
    }
    const existing = await this.findByEmail(tx, email);
    if (existing) {
      usable(existing);
      if (!existing.emailVerified) {
        await tx.query(`UPDATE tower_auth.users SET email_verified = true WHERE id = $1`, [
          existing.id,
        ]);
        existing.emailVerified = true;
      }
      await this.upsertIdentity(tx, existing.id, { ...profile, email }, new Date());
      await this.audit.recordIn(tx, {
        type: 'identity_linked',
        userId: existing.id,
        provider: profile.provider,
        detail: { issuer: profile.issuer },
      });
      return existing;
    }
    return this.createWithIdentity(tx, created, profile, email, true);
  }

  /** A verified address holds the e-mail; an admitted unverified one only shows it. */
  private async createWithIdentity(
    tx: EntityManager,
    created: Created,
    profile: ProviderProfile,
    email: string,
    verified: boolean,
  ): Promise<UserEntity> {
    const user = await this.createUser(
      tx,
      created,
      { ...profile, email, emailVerified: verified, emailClaimed: verified },
      profile.provider,
    );
    await this.upsertIdentity(tx, user.id, { ...profile, email }, new Date(), true);
    return user;
  }

  /**
   * A user that only showed its address (its provider did not vouch for it then) takes it over
   * once the provider, or the operator's trust, vouches for it, unless another user holds it.
   */
  private async claimEmail(tx: EntityManager, user: UserEntity, email: string): Promise<void> {
    if (user.emailClaimed || user.email.toLowerCase() !== email) return;
    const rows: unknown[] = await tx.query(
      `UPDATE tower_auth.users SET email_claimed = true, email_verified = true, last_updated = now()
        WHERE id = $1 AND NOT email_claimed
          AND NOT EXISTS (SELECT 1 FROM tower_auth.users o WHERE lower(o.email) = $2 AND o.email_claimed)
        RETURNING id`,
      [user.id, email],
    );
    if (returnedRows(rows).length === 1) {
      user.emailClaimed = true;
      user.emailVerified = true;
    }
  }

  private findByIdentity(tx: EntityManager, profile: ProviderProfile): Promise<UserEntity | null> {
    return tx
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(IdentityEntity, 'i', 'i.user_id = u.id')
      .where('i.provider = :provider AND i.issuer = :issuer AND i.subject = :subject', {
        provider: profile.provider,
        issuer: profile.issuer,
        subject: profile.subject,
      })
      .getOne();
  }

  private findByEmail(tx: EntityManager, email: string): Promise<UserEntity | null> {
    return tx
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.email) = :email AND u.email_claimed', { email })
      .getOne();
  }

  /**
   * `onlyNew`: the identity of a user just created. A row already there is then a concurrent
   * first login of the same subject: a unique violation rolls this attempt back (with its user)
   * and the retry finds the winner's.
   */
  private async upsertIdentity(
    tx: EntityManager,
    userId: string,
    identity: Pick<ProviderProfile, 'provider' | 'issuer' | 'subject' | 'email' | 'emailVerified'>,
    at: Date,
    onlyNew = false,
  ): Promise<void> {
    const onConflict = onlyNew
      ? ''
      : `ON CONFLICT (provider, issuer, subject)
       DO UPDATE SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified,
                     last_login_at = EXCLUDED.last_login_at
       WHERE identities.user_id = EXCLUDED.user_id`;
    await tx.query(
      `INSERT INTO tower_auth.identities (user_id, provider, issuer, subject, email, email_verified, last_login_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ${onConflict}`,
      [
        userId,
        identity.provider,
        identity.issuer,
        identity.subject,
        identity.email,
        identity.emailVerified,
        at,
      ],
    );
  }

  private async createUser(
    tx: EntityManager,
    created: Created,
    fields: {
      email: string;
      emailVerified: boolean;
      emailClaimed?: boolean;
      userName?: string | null;
      firstName?: string | null;
      lastName?: string | null;
      avatar?: string | null;
    },
    provider: string,
  ): Promise<UserEntity> {
    const repo = tx.getRepository(UserEntity);
    const base = userNameBase(fields.userName ?? null, fields.email);
    const taken = await tx.query<{ name: string }[]>(
      `SELECT lower(user_name) AS name FROM tower_auth.users WHERE lower(user_name) = $1`,
      [base],
    );
    const userName = taken.length === 0 ? base : `${base}-${randomInt(1000, 1_000_000)}`;
    const user = await repo.save(
      repo.create({
        email: fields.email,
        emailVerified: fields.emailVerified,
        emailClaimed: fields.emailClaimed ?? true,
        userName,
        firstName: clip(fields.firstName),
        lastName: clip(fields.lastName),
        avatar: safeAvatar(fields.avatar),
        status: 'active',
      }),
    );
    await this.audit.recordIn(tx, {
      type: 'user_created',
      userId: user.id,
      provider,
      ...(user.emailClaimed ? {} : { detail: { emailUnverified: true } }),
    });
    created.push({ user, provider });
    return user;
  }

  /**
   * `work` in a transaction, retried when it loses a race; the users it created are announced
   * once it has committed (an attempt that rolled back created nobody).
   */
  private write<T>(work: (tx: EntityManager, created: Created) => Promise<T>): Promise<T> {
    return this.retryingRaces(async () => {
      const created: Created = [];
      const result = await this.dataSource.transaction((tx) => work(tx, created));
      for (const { user, provider } of created) this.rootUsers.created(user, provider);
      return result;
    });
  }

  /**
   * Two first logins of the same person race on the unique e-mail, user-name or identity index;
   * the loser's transaction rolls back and the retry finds the winner's rows.
   */
  private async retryingRaces<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }
}

/** TypeORM's postgres driver answers UPDATE ... RETURNING with [rows, count]. */
function returnedRows(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}

function usable(user: UserEntity): UserEntity {
  if (user.status !== 'active') throw new AuthError('not_allowed', 'the user is disabled');
  return user;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION
  );
}

/** `Ada.Lovelace+x@example.com` → `ada.lovelace-x`; a provider login name wins when usable. */
function userNameBase(preferred: string | null, email: string): string {
  const clean = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 40);
  const fromPreferred = preferred ? clean(preferred) : '';
  return fromPreferred || clean(email.slice(0, email.indexOf('@'))) || 'user';
}

function clip(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed.slice(0, 100) : null;
}

/** Only https avatars (shown in the UI); anything else is dropped. */
function safeAvatar(url: string | null | undefined): string | null {
  if (!url || url.length > 2048) return null;
  try {
    return new URL(url).protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
