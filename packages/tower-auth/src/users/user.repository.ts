import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { UserEntity } from './user.entity.js';

export interface UserPage {
  items: UserEntity[];
  total: number;
}

/** SQL about users lives here and nowhere else. */
@Injectable()
export class UserRepository {
  private readonly users: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.users = dataSource.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * The user who holds this address (lower-cased, as the unique index compares). Others may
   * carry it unproven (an OIDC login whose provider did not verify it); they are not its owner.
   */
  findByEmail(normalizedEmail: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .where('lower(u.email) = :email AND u.email_claimed', { email: normalizedEmail })
      .getOne();
  }

  /** Those of `ids` (bigint-shaped) that name a user. */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.users.find({ select: { id: true }, where: { id: In([...ids]) } });
    return new Set(rows.map((row) => row.id));
  }

  async touchLastAccess(id: string, at: Date): Promise<void> {
    await this.users.update({ id }, { lastAccess: at });
  }

  async page(offset: number, max: number, emailFilter: string | null): Promise<UserPage> {
    const query = this.users
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .offset(offset)
      .limit(max);
    if (emailFilter) {
      query.where('lower(u.email) LIKE :pattern', {
        pattern: `%${escapeLike(emailFilter.toLowerCase())}%`,
      });
    }
    const [items, total] = await query.getManyAndCount();
    return { items, total };
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
