import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';
import {
  AUTH_METRICS,
  countAudited,
  NO_METRICS,
  type AuthMetrics,
} from '../observability/auth-metrics.js';
import { currentRequestId } from '../observability/request-context.js';

export type AuditType =
  | 'login_success'
  | 'login_failure'
  | 'refresh'
  | 'refresh_token_reused'
  | 'logout'
  | 'session_revoked'
  | 'job_session_started'
  | 'token_created'
  | 'token_deleted'
  | 'token_first_use_from_new_address'
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

const INSERT_EVENT = `INSERT INTO tower_auth.audit_events (type, user_id, provider, ip_address, detail) VALUES ($1, $2, $3, $4, $5)`;

/**
 * Best effort for work that is already committed: the insert runs after the caller moves on
 * and a failure is logged, never thrown, so auditing neither slows nor breaks a request. Work
 * done in a transaction records its events in that transaction (`recordIn`): on another
 * connection the row would reference rows not committed yet and fail its foreign key. Details
 * never hold tokens.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {}

  record(event: AuditEvent): void {
    countAudited(this.metrics, event);
    this.dataSource.query(INSERT_EVENT, parameters(event)).catch((error: unknown) => {
      this.logger.warn(
        `Could not record ${event.type}: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    });
  }

  /** In the caller's transaction: the row commits, or rolls back, with the work it records. */
  async recordIn(tx: EntityManager, event: AuditEvent): Promise<void> {
    await tx.query(INSERT_EVENT, parameters(event));
    countAudited(this.metrics, event);
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

/** A row written while serving a request names it (detail.requestId), to match the logs. */
function parameters(event: AuditEvent): unknown[] {
  const requestId = currentRequestId();
  return [
    event.type,
    event.userId ?? null,
    event.provider ?? null,
    event.ipAddress ?? null,
    requestId ? { ...event.detail, requestId } : (event.detail ?? {}),
  ];
}
