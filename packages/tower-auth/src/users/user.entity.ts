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

  /** Unique case-insensitively (index on lower(email)). */
  @Column({ type: 'text' })
  email: string;

  /** Proven by a provider or a redeemed magic link; only verified addresses link accounts. */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

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
