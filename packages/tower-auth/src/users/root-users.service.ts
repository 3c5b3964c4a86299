import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { maskEmail } from './email.js';
import type { UserEntity } from './user.entity.js';
import { UserRepository } from './user.repository.js';
import { BIGINT_ID } from '../common/ids.js';

/** A user id as the database can hold it (bigint, no leading zero). */

/**
 * Root by id is root for whoever gets that id: on a fresh instance `TOWER_ROOT_USERS=1` makes
 * the first person to request a link or sign in root. Such entries are named in the log at boot
 * while no user has the id, and again when a login creates that user.
 */
@Injectable()
export class RootUsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('RootUsers');
  private readonly ids: readonly string[];

  constructor(
    private readonly users: UserRepository,
    @Inject(TOWER_CONFIG) config: TowerConfig,
  ) {
    this.ids = [...new Set(config.rootUsers.filter((entry) => BIGINT_ID.test(entry)))];
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.ids.length === 0) return;
    let existing: Set<string>;
    try {
      existing = await this.users.existingIds(this.ids);
    } catch {
      this.logger.warn('Could not check the user ids of TOWER_ROOT_USERS (database unavailable)');
      return;
    }
    for (const id of this.ids.filter((entry) => !existing.has(entry))) {
      this.logger.warn(
        `TOWER_ROOT_USERS names the user id ${id}, which no user has yet: whoever is created with it becomes root (on a new instance, the first person to request a sign-in link or sign in). Prefer the person's e-mail address, or add the id once that user exists`,
      );
    }
  }

  /** A login has just created (and committed) this user. */
  created(user: UserEntity, provider: string): void {
    if (!this.ids.includes(user.id)) return;
    this.logger.warn(
      `User ${user.id} (${maskEmail(user.email)}), just created by a login (${provider}), is root because TOWER_ROOT_USERS names the id ${user.id}: check that this is the person you meant`,
    );
  }
}
