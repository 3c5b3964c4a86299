import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { AuthError } from '../common/auth-error.js';
import { AccountRepository, type AccountTransaction } from './account.repository.js';
import { normaliseEmail } from './email.js';
import { RootUsersService } from './root-users.service.js';
import { clip, safeAvatar, userNameBase } from './user-fields.js';
import type { UserEntity } from './user.entity.js';

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

/** The users a transaction created, announced once it has committed. */
type Created = { user: UserEntity; provider: string }[];

/** The fields of a user a login creates. */
interface NewUserFields {
  email: string;
  emailVerified: boolean;
  emailClaimed?: boolean;
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  avatar?: string | null;
}

/**
 * Users and their identities: one user per verified e-mail. An identity is
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
    private readonly accounts: AccountRepository,
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
      const existing = await tx.userByEmail(email);
      if (existing) return existing;
      return this.createUser(tx, created, { email, emailVerified: false }, 'email');
    });
  }

  /**
   * A redeemed magic link proves the address: mark it verified and record the e-mail identity.
   * Returns the user, or null when it no longer exists.
   */
  async confirmEmailLogin(userId: string, at: Date): Promise<UserEntity | null> {
    return this.accounts.transaction(async (tx) => {
      await tx.markEmailVerified(userId);
      // Read after the update, in the same transaction: the row as it now is.
      const user = await tx.userById(userId);
      if (!user) return null;
      const subject = user.email.toLowerCase();
      await tx.saveIdentity(
        user.id,
        { provider: 'email', issuer: 'email', subject, email: user.email, emailVerified: true },
        at,
      );
      return user;
    });
  }

  private async signInWith(
    tx: AccountTransaction,
    created: Created,
    profile: ProviderProfile,
    email: string | null,
  ): Promise<UserEntity> {
    const linked = await tx.userByIdentity(profile);
    if (linked) {
      await tx.saveIdentity(linked.id, { ...profile, email }, new Date());
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
    const existing = await tx.userByEmail(email);
    if (existing) return this.link(tx, existing, profile, email);
    return this.createWithIdentity(tx, created, profile, email, true);
  }

  /** A new identity whose provider verified the address of an existing user: it is theirs. */
  private async link(
    tx: AccountTransaction,
    user: UserEntity,
    profile: ProviderProfile,
    email: string,
  ): Promise<UserEntity> {
    usable(user);
    if (!user.emailVerified) {
      await tx.markEmailVerified(user.id);
      user.emailVerified = true;
    }
    await tx.saveIdentity(user.id, { ...profile, email }, new Date());
    await tx.audit({
      type: 'identity_linked',
      userId: user.id,
      provider: profile.provider,
      detail: { issuer: profile.issuer },
    });
    return user;
  }

  /** A verified address holds the e-mail; an admitted unverified one only shows it. */
  private async createWithIdentity(
    tx: AccountTransaction,
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
    await tx.insertIdentity(user.id, { ...profile, email }, new Date());
    return user;
  }

  /**
   * A user that only showed its address (its provider did not vouch for it then) takes it over
   * once the provider, or the operator's trust, vouches for it, unless another user holds it.
   */
  private async claimEmail(tx: AccountTransaction, user: UserEntity, email: string): Promise<void> {
    if (user.emailClaimed || user.email.toLowerCase() !== email) return;
    if (await tx.claimEmail(user.id, email)) {
      user.emailClaimed = true;
      user.emailVerified = true;
    }
  }

  private async createUser(
    tx: AccountTransaction,
    created: Created,
    fields: NewUserFields,
    provider: string,
  ): Promise<UserEntity> {
    const base = userNameBase(fields.userName ?? null, fields.email);
    const taken = await tx.isUserNameTaken(base);
    const user = await tx.insertUser({
      email: fields.email,
      emailVerified: fields.emailVerified,
      emailClaimed: fields.emailClaimed ?? true,
      userName: taken ? `${base}-${randomInt(1000, 1_000_000)}` : base,
      firstName: clip(fields.firstName),
      lastName: clip(fields.lastName),
      avatar: safeAvatar(fields.avatar),
    });
    await tx.audit({
      type: 'user_created',
      userId: user.id,
      provider,
      ...(user.emailClaimed ? {} : { detail: { emailUnverified: true } }),
    });
    created.push({ user, provider });
    return user;
  }

  /**
   * `work` in a transaction (run again when it loses a race); the users it created are
   * announced once it has committed (an attempt that rolled back created nobody).
   */
  private async write<T>(
    work: (tx: AccountTransaction, created: Created) => Promise<T>,
  ): Promise<T> {
    let created: Created = [];
    const result = await this.accounts.transaction((tx) => {
      created = [];
      return work(tx, created);
    });
    for (const { user, provider } of created) this.rootUsers.created(user, provider);
    return result;
  }
}

function usable(user: UserEntity): UserEntity {
  if (user.status !== 'active') throw new AuthError('not_allowed', 'the user is disabled');
  return user;
}
