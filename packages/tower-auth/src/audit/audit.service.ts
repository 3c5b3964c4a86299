import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';

export type AuditType =
  | 'login_success'
  | 'login_failure'
  | 'refresh'
  | 'refresh_token_reused'
  | 'logout'
  | 'session_revoked'
  | 'user_created'
  | 'identity_linked'
  | 'magic_link_requested'
  | 'magic_link_refused'
  | 'magic_link_rate_limited'
  | 'magic_link_redeemed'
  | 'mail_sent'
  | 'mail_failed'
  | 'ephemeral_created'
  | 'ephemeral_partial_read'
  | 'purge';

export interface AuditEvent {
  type: AuditType;
  userId?: string | null;
  provider?: string | null;
  ipAddress?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Best effort: the insert runs after the caller moves on and a failure is logged, never
 * thrown, so auditing neither slows nor breaks a request. Details never hold tokens.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly dataSource: DataSource) {}

  record(event: AuditEvent): void {
    this.dataSource
      .query(
        `INSERT INTO tower_auth.audit_events (type, user_id, provider, ip_address, detail) VALUES ($1, $2, $3, $4, $5)`,
        [
          event.type,
          event.userId ?? null,
          event.provider ?? null,
          event.ipAddress ?? null,
          event.detail ?? {},
        ],
      )
      .catch((error: unknown) => {
        this.logger.warn(
          `Could not record ${event.type}: ${error instanceof Error ? error.message : 'unknown error'}`,
        );
      });
  }

  async page(
    offset: number,
    max: number,
    filter: { type?: string; userId?: string },
  ): Promise<{ items: AuditEventEntity[]; total: number }> {
    const query = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .offset(offset)
      .limit(max);
    if (filter.type) query.andWhere('a.type = :type', { type: filter.type });
    if (filter.userId) query.andWhere('a.user_id = :userId', { userId: filter.userId });
    const [items, total] = await query.getManyAndCount();
    return { items, total };
  }
}
