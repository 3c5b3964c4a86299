import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';

/** A user row as a login would have created it. */
export async function createUser(
  dataSource: DataSource,
  fields: Partial<
    Pick<UserEntity, 'email' | 'emailVerified' | 'userName' | 'firstName' | 'lastName' | 'status'>
  > = {},
): Promise<UserEntity> {
  const suffix = randomBytes(4).toString('hex');
  const repo = dataSource.getRepository(UserEntity);
  const user = repo.create({
    email: fields.email ?? `user-${suffix}@example.com`,
    emailVerified: fields.emailVerified ?? true,
    userName: fields.userName ?? `user-${suffix}`,
    firstName: fields.firstName ?? 'Ada',
    lastName: fields.lastName ?? 'Lovelace',
    status: fields.status ?? 'active',
  });
  return repo.save(user);
}
