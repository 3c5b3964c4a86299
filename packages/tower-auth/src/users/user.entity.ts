import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type UserStatus = 'active' | 'disabled';

@Entity({ name: 'users', schema: 'tower_auth' })
export class UserEntity {
  /** bigint arrives from pg as a string; kept as string to avoid precision loss. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** Unique case-insensitively among users that hold it (`emailClaimed`). */
  @Column({ type: 'text' })
  email: string;

  /** Proven by a provider or a redeemed magic link; only verified addresses link accounts. */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  /**
   * The user holds its address: magic links and logins that verify the address find it. False
   * for a user made by an OpenID login whose provider did not verify the address: it is only
   * shown, never links, is never verified and never matches a root e-mail entry.
   */
  @Column({ name: 'email_claimed', type: 'boolean', default: true })
  emailClaimed: boolean;

  @Column({ name: 'user_name', type: 'text' })
  userName: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  @Column({ type: 'text', nullable: true })
  avatar: string | null;

  @Column({ type: 'text', default: 'active' })
  status: UserStatus;

  @Column({ name: 'last_access', type: 'timestamptz', nullable: true })
  lastAccess: Date | null;

  @CreateDateColumn({ name: 'date_created', type: 'timestamptz' })
  dateCreated: Date;

  @UpdateDateColumn({ name: 'last_updated', type: 'timestamptz' })
  lastUpdated: Date;
}
