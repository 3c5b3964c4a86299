import { Injectable } from '@nestjs/common';
import { BIGINT_ID } from '../common/ids.js';
import { normaliseEmail } from './email.js';
import type { UserStatus } from './user.entity.js';
import { UserRepository } from './user.repository.js';

/** A user as a host application sees it: the account, no secrets, no internal columns. */
export interface DirectoryUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly userName: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly avatar: string | null;
  readonly status: UserStatus;
  readonly lastAccess: Date | null;
  readonly dateCreated: Date;
}

/** Looks users up for a host application (by the id of `@CurrentUser()`, or by e-mail). */
@Injectable()
export class UserDirectory {
  constructor(private readonly users: UserRepository) {}

  /** Null for an unknown id, or for anything that is not a user id. */
  async findById(id: string): Promise<DirectoryUser | null> {
    if (!BIGINT_ID.test(id)) return null;
    const user = await this.users.findById(id);
    return user ? toDirectoryUser(user) : null;
  }

  /** Null for an unknown or malformed address; the address is normalised as at login. */
  async findByEmail(email: string): Promise<DirectoryUser | null> {
    const normalized = normaliseEmail(email);
    if (!normalized) return null;
    const user = await this.users.findByEmail(normalized);
    return user ? toDirectoryUser(user) : null;
  }
}

function toDirectoryUser(user: DirectoryUser): DirectoryUser {
  return Object.freeze({
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    userName: user.userName,
    firstName: user.firstName,
    lastName: user.lastName,
    avatar: user.avatar,
    status: user.status,
    lastAccess: user.lastAccess,
    dateCreated: user.dateCreated,
  });
}
