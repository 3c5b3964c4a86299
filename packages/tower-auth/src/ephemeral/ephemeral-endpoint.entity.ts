import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A single-use URL. Only a hash of the id is stored, and the content is encrypted under a key
 * derived from the id (HKDF with `salt`), so a database dump reveals neither.
 */
@Entity({ name: 'ephemeral_endpoints', schema: 'tower_auth' })
export class EphemeralEndpointEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'bytea' })
  idHash: Buffer;

  @Column({ type: 'bytea' })
  salt: Buffer;

  /** AES-256-GCM nonce. */
  @Column({ type: 'bytea' })
  nonce: Buffer;

  /** Ciphertext followed by the 16-byte GCM tag. */
  @Column({ type: 'bytea' })
  ciphertext: Buffer;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ name: 'created_by', type: 'bigint', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
