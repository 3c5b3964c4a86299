import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { normaliseEmail } from './email.js';
import { IdentityEntity } from './identity.entity.js';
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
  /** Preferred user name (a GitHub login); derived from the e-mail when absent or taken. */
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  avatar?: string | null;
}

/** Why a login cannot produce a user; the codes are those of `/auth?success=false&error=`. */
export type AccountRefusal = 'email_unverified' | 'not_allowed';

export class AccountError extends Error {
  constructor(
    readonly code: AccountRefusal,
    /** For the audit log only, never for the browser. */
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'AccountError';
  }
}

const UNIQUE_VIOLATION = '23505';
const ATTEMPTS = 3;

/**
 * Users and their identities (SPEC §2 "Accounts"): one user per verified e-mail. An identity is
 * keyed on (provider, issuer, subject), never on e-mail alone. A new identity whose e-mail the
 * provider verified links to the existing user with that e-mail; an unverified e-mail never
 * links and never creates a user (that would let whoever controls an unverified address claim
 * the account of its real owner later). Disabled users are refused.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The user behind a provider login, linking or creating as needed. Throws AccountError. */
  async signIn(profile: ProviderProfile): Promise<UserEntity> {
    const email = profile.email === null ? null : normaliseEmail(profile.email);
    return this.retryingRaces(() =>
      this.dataSource.transaction((tx) => this.signInWith(tx, profile, email)),
    );
  }

  /**
   * The user a magic link is requested for: found by e-mail, or created unverified (the address
   * is proven only when the link is redeemed). Null when the address is invalid.
   */
  async userForEmail(rawEmail: string): Promise<UserEntity | null> {
    const email = normaliseEmail(rawEmail);
    if (email === null) return null;
    return this.retryingRaces(async () => {
      const existing = await this.findByEmail(this.dataSource.manager, email);
      if (existing) return existing;
      return this.dataSource.transaction((tx) =>
        this.createUser(tx, { email, emailVerified: false }, 'email'),
      );
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
            WHERE id = $1 AND NOT email_verified`,
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
    profile: ProviderProfile,
    email: string | null,
  ): Promise<UserEntity> {
    const linked = await this.findByIdentity(tx, profile);
    if (linked) {
      await this.upsertIdentity(tx, linked.id, { ...profile, email }, new Date());
      return usable(linked);
    }
    if (email === null) {
      throw new AccountError('email_unverified', 'the provider returned no usable e-mail address');
    }
    if (!profile.emailVerified) {
      throw new AccountError('email_unverified', 'the provider did not verify the e-mail address');
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
      this.audit.record({
        type: 'identity_linked',
        userId: existing.id,
        provider: profile.provider,
        detail: { issuer: profile.issuer },
      });
      return existing;
    }
    const user = await this.createUser(
      tx,
      { ...profile, email, emailVerified: true },
      profile.provider,
    );
    await this.upsertIdentity(tx, user.id, { ...profile, email }, new Date());
    return user;
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
      .where('lower(u.email) = :email', { email })
      .getOne();
  }

  private async upsertIdentity(
    tx: EntityManager,
    userId: string,
    identity: Pick<ProviderProfile, 'provider' | 'issuer' | 'subject' | 'email' | 'emailVerified'>,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO tower_auth.identities (user_id, provider, issuer, subject, email, email_verified, last_login_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (provider, issuer, subject)
       DO UPDATE SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified,
                     last_login_at = EXCLUDED.last_login_at
       WHERE identities.user_id = EXCLUDED.user_id`,
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
    fields: {
      email: string;
      emailVerified: boolean;
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
        userName,
        firstName: clip(fields.firstName),
        lastName: clip(fields.lastName),
        avatar: safeAvatar(fields.avatar),
        status: 'active',
      }),
    );
    this.audit.record({ type: 'user_created', userId: user.id, provider });
    return user;
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

function usable(user: UserEntity): UserEntity {
  if (user.status !== 'active') throw new AccountError('not_allowed', 'the user is disabled');
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
