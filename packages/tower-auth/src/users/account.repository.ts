import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService, type AuditEvent } from '../audit/audit.service.js';
import type { UserEntity } from './user.entity.js';
import { UserRepository, type IdentityKey, type NewUser } from './user.repository.js';

/** What a login tells about an identity. */
export interface IdentityLogin extends IdentityKey {
  readonly email: string | null;
  readonly emailVerified: boolean;
}

/** The reads and writes of one login, all in one transaction. */
export interface AccountTransaction {
  userById(id: string): Promise<UserEntity | null>;
  userByIdentity(key: IdentityKey): Promise<UserEntity | null>;
  /** The user who holds this (normalised) address. */
  userByEmail(email: string): Promise<UserEntity | null>;
  isUserNameTaken(name: string): Promise<boolean>;
  insertUser(user: NewUser): Promise<UserEntity>;
  /** The held address is proven now; nothing happens when it was already. */
  markEmailVerified(userId: string): Promise<void>;
  /** The user takes the address over, verified; false when another user holds it. */
  claimEmail(userId: string, email: string): Promise<boolean>;
  /** A login of a known identity: what it said now; an identity of another user stays theirs. */
  saveIdentity(userId: string, login: IdentityLogin, at: Date): Promise<void>;
  /**
   * The identity of a user just created. A row already there is a concurrent first login of
   * the same subject: the transaction fails, as when it loses any other race (see `transaction`).
   */
  insertIdentity(userId: string, login: IdentityLogin, at: Date): Promise<void>;
  /** Commits, or rolls back, with the work it records. */
  audit(event: AuditEvent): Promise<void>;
}

/** Where AccountService keeps users and identities (a fake one in its unit tests). */
export abstract class AccountRepository {
  /**
   * `work` in one transaction. Two first logins of the same person race on the unique e-mail,
   * user-name or identity index: the loser's transaction rolls back and `work` runs again
   * (3 attempts in all), to find the winner's rows.
   */
  abstract transaction<T>(work: (tx: AccountTransaction) => Promise<T>): Promise<T>;
}

const ATTEMPTS = 3;
const UNIQUE_VIOLATION = '23505';

const INSERT_IDENTITY = `INSERT INTO tower_auth.identities
    (user_id, provider, issuer, subject, email, email_verified, last_login_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

const SAVE_IDENTITY = `${INSERT_IDENTITY} ON CONFLICT (provider, issuer, subject)
  DO UPDATE SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified,
                last_login_at = EXCLUDED.last_login_at
  WHERE identities.user_id = EXCLUDED.user_id`;

/** SQL of identities, and the transaction of a login; the users' rows are UserRepository's. */
@Injectable()
export class PostgresAccountRepository extends AccountRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly auditTrail: AuditService,
  ) {
    super();
  }

  async transaction<T>(work: (tx: AccountTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => work(this.bound(manager)));
      } catch (error) {
        if (attempt >= ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }

  private bound(tx: EntityManager): AccountTransaction {
    const { users } = this;
    return {
      userById: (id) => users.findById(id, tx),
      userByIdentity: (key) => users.findByIdentity(key, tx),
      userByEmail: (email) => users.findByEmail(email, tx),
      isUserNameTaken: (name) => users.isUserNameTaken(name, tx),
      insertUser: (user) => users.insert(user, tx),
      markEmailVerified: (userId) => users.markEmailVerified(userId, tx),
      claimEmail: (userId, email) => users.claimEmail(userId, email, tx),
      saveIdentity: async (userId, login, at) => {
        await tx.query(SAVE_IDENTITY, identityParams(userId, login, at));
      },
      insertIdentity: async (userId, login, at) => {
        await tx.query(INSERT_IDENTITY, identityParams(userId, login, at));
      },
      audit: (event) => this.auditTrail.recordIn(tx, event),
    };
  }
}

function identityParams(userId: string, login: IdentityLogin, at: Date): unknown[] {
  return [
    userId,
    login.provider,
    login.issuer,
    login.subject,
    login.email,
    login.emailVerified,
    at,
  ];
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION
  );
}
