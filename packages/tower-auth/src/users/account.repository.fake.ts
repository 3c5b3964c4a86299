import type { AuditEvent } from '../audit/audit.service.js';
import {
  AccountRepository,
  type AccountTransaction,
  type IdentityLogin,
} from './account.repository.js';
import { UserEntity } from './user.entity.js';
import type { IdentityKey, NewUser } from './user.repository.js';

interface StoredIdentity extends IdentityLogin {
  userId: string;
  lastLoginAt: Date;
}

interface State {
  users: UserEntity[];
  identities: StoredIdentity[];
  audit: AuditEvent[];
}

/** What a unique index refuses (Postgres answers 23505). */
export class UniqueViolation extends Error {}

/**
 * AccountRepository in memory, for unit tests of the account rules: the constraints the rules
 * rely on (unique held e-mail, user name and identity), and a transaction that leaves nothing
 * behind when its work throws. Rows come back as copies, as from a database.
 */
export class InMemoryAccountRepository extends AccountRepository {
  state: State = { users: [], identities: [], audit: [] };
  private nextId = 1;

  async transaction<T>(work: (tx: AccountTransaction) => Promise<T>): Promise<T> {
    const before = structuredClone(this.state);
    try {
      return await work(this.bound());
    } catch (error) {
      this.state = before;
      throw error;
    }
  }

  /** A user as a test sets it up, outside any login. */
  add(fields: Partial<UserEntity> & Pick<UserEntity, 'email'>): UserEntity {
    const user = Object.assign(new UserEntity(), {
      id: String(this.nextId++),
      emailVerified: false,
      emailClaimed: true,
      userName: fields.email.split('@')[0],
      firstName: null,
      lastName: null,
      avatar: null,
      status: 'active',
      lastAccess: null,
      dateCreated: new Date(),
      lastUpdated: new Date(),
      ...fields,
    });
    this.state.users.push(user);
    return copy(user);
  }

  user(id: string): UserEntity | undefined {
    return this.state.users.find((u) => u.id === id);
  }

  identitiesOf(userId: string): StoredIdentity[] {
    return this.state.identities.filter((i) => i.userId === userId);
  }

  private holder(email: string): UserEntity | undefined {
    return this.state.users.find((u) => u.emailClaimed && u.email.toLowerCase() === email);
  }

  private identity(key: IdentityKey): StoredIdentity | undefined {
    return this.state.identities.find(
      (i) => i.provider === key.provider && i.issuer === key.issuer && i.subject === key.subject,
    );
  }

  private bound(): AccountTransaction {
    const found = (user: UserEntity | undefined): Promise<UserEntity | null> =>
      Promise.resolve(user ? copy(user) : null);
    return {
      userById: (id) => found(this.user(id)),
      userByIdentity: (key) => found(this.user(this.identity(key)?.userId ?? '')),
      userByEmail: (email) => found(this.holder(email)),
      isUserNameTaken: (name) =>
        Promise.resolve(
          this.state.users.some((u) => u.userName.toLowerCase() === name.toLowerCase()),
        ),
      insertUser: (user) => Promise.resolve(this.insertUser(user)),
      markEmailVerified: (userId) => {
        const user = this.user(userId);
        if (user?.emailClaimed) user.emailVerified = true;
        return Promise.resolve();
      },
      claimEmail: (userId, email) => Promise.resolve(this.claimEmail(userId, email)),
      saveIdentity: (userId, login, at) => Promise.resolve(this.saveIdentity(userId, login, at)),
      insertIdentity: (userId, login, at) => {
        if (this.identity(login)) throw new UniqueViolation('identity');
        this.state.identities.push({ ...login, userId, lastLoginAt: at });
        return Promise.resolve();
      },
      audit: (event) => {
        this.state.audit.push(event);
        return Promise.resolve();
      },
    };
  }

  private insertUser(fields: NewUser): UserEntity {
    if (fields.emailClaimed && this.holder(fields.email.toLowerCase())) {
      throw new UniqueViolation('email');
    }
    if (this.state.users.some((u) => u.userName.toLowerCase() === fields.userName.toLowerCase())) {
      throw new UniqueViolation('user name');
    }
    return this.add(fields);
  }

  private claimEmail(userId: string, email: string): boolean {
    const user = this.user(userId);
    if (!user || user.emailClaimed || this.holder(email)) return false;
    Object.assign(user, { emailClaimed: true, emailVerified: true });
    return true;
  }

  private saveIdentity(userId: string, login: IdentityLogin, at: Date): void {
    const existing = this.identity(login);
    if (!existing) this.state.identities.push({ ...login, userId, lastLoginAt: at });
    else if (existing.userId === userId) Object.assign(existing, login, { lastLoginAt: at });
  }
}

function copy(user: UserEntity): UserEntity {
  return Object.assign(new UserEntity(), user);
}
