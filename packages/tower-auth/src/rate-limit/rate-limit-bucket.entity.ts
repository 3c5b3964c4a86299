import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A fixed-window counter shared by every instance, e.g. key `email:<sha256>`. */
@Entity({ name: 'rate_limit_buckets', schema: 'tower_auth' })
export class RateLimitBucketEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart: Date;

  @Column({ type: 'integer', default: 0 })
  count: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
