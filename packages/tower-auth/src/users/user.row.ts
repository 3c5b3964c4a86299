import { UserEntity, type UserStatus } from './user.entity.js';

/**
 * A row of tower_auth.users as Postgres answers it: from a SELECT of `USER_COLUMNS` (timestamps
 * arrive as Date) or as `to_jsonb(u)` (timestamps arrive as ISO strings, the id as a number
 * unless the query casts it to text).
 */
export interface UserRow {
  id: string | number;
  email: string;
  email_verified: boolean;
  email_claimed: boolean;
  user_name: string;
  first_name: string | null;
  last_name: string | null;
  avatar: string | null;
  status: UserStatus;
  last_access: Date | string | null;
  date_created: Date | string;
  last_updated: Date | string;
}

/** The columns `toUser` reads, qualified by the alias `u`; the id as text (a bigint). */
export const USER_COLUMNS = `u.id::text AS id, u.email, u.email_verified, u.email_claimed,
  u.user_name, u.first_name, u.last_name, u.avatar, u.status, u.last_access, u.date_created,
  u.last_updated`;

/** The one mapping of a users row to the user the rest of the module works with. */
export function toUser(row: UserRow): UserEntity {
  return Object.assign(new UserEntity(), {
    id: String(row.id),
    email: row.email,
    emailVerified: row.email_verified === true,
    emailClaimed: row.email_claimed !== false,
    userName: row.user_name,
    firstName: row.first_name ?? null,
    lastName: row.last_name ?? null,
    avatar: row.avatar ?? null,
    status: row.status,
    lastAccess: row.last_access ? new Date(row.last_access) : null,
    dateCreated: new Date(row.date_created),
    lastUpdated: new Date(row.last_updated),
  });
}
