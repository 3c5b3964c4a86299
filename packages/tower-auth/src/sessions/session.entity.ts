import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A browser login, or the credentials handed to a launched job (LaunchCredentialsService). */
export type SessionKind = 'browser' | 'job';
export const SESSION_KINDS: readonly SessionKind[] = ['browser', 'job'];

/**
 * One row per login. The row is the refresh-token family: the current refresh token's hash,
 * the previous one's (for the grace window) and when it was rotated. Tokens are stored only
 * as an HMAC under a key from the JWT secret (RefreshChain.hash).
 */
@Entity({ name: 'sessions', schema: 'tower_auth' })
export class SessionEntity {
  /** The `sid` claim of access tokens. */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @Column({ type: 'text' })
  provider: string;

  @Column({ type: 'text', default: 'browser' })
  kind: SessionKind;

  @Column({ name: 'refresh_hash', type: 'bytea' })
  refreshHash: Buffer;

  @Column({ name: 'previous_hash', type: 'bytea', nullable: true })
  previousHash: Buffer | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  /** How many times the family rotated. */
  @Column({ type: 'integer', default: 0 })
  generation: number;

  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt: Date;

  @Column({ name: 'absolute_expires_at', type: 'timestamptz' })
  absoluteExpiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoke_reason', type: 'text', nullable: true })
  revokeReason: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @Column({ name: 'ip_address', type: 'text', nullable: true })
  ipAddress: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_refresh_at', type: 'timestamptz', nullable: true })
  lastRefreshAt: Date | null;
}
