import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditRepository, type AuditPage, type NewAuditRow } from './audit.repository.js';
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

/**
 * Best effort for work that is already committed: the insert runs after the caller moves on
 * and a failure is logged, never thrown, so auditing neither slows nor breaks a request. Work
 * done in a transaction records its events in that transaction (`recordIn`): on another
 * connection the row would reference rows not committed yet and fail its foreign key. A hot
 * path may write the row in its own statement (`auditRow`, then `recorded`), as a refresh
 * does. Details never hold tokens.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly audits: AuditRepository,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {}

  record(event: AuditEvent): void {
    countAudited(this.metrics, event);
    this.audits.insert(auditRow(event)).catch((error: unknown) => {
      this.logger.warn(
        `Could not record ${event.type}: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    });
  }

  /** Counts an event whose row the caller wrote itself (`auditRow`, in its own statement). */
  recorded(event: AuditEvent): void {
    countAudited(this.metrics, event);
  }

  /** In the caller's transaction: the row commits, or rolls back, with the work it records. */
  async recordIn(tx: EntityManager, event: AuditEvent): Promise<void> {
    await this.audits.insert(auditRow(event), tx);
    countAudited(this.metrics, event);
  }

  page(
    offset: number,
    max: number,
    filter: { type?: string; userId?: string },
  ): Promise<AuditPage> {
    return this.audits.page(offset, max, filter);
  }
}

/** A row written while serving a request names it (detail.requestId), to match the logs. */
export function auditRow(event: AuditEvent): NewAuditRow {
  const requestId = currentRequestId();
  return {
    type: event.type,
    userId: event.userId ?? null,
    provider: event.provider ?? null,
    ipAddress: event.ipAddress ?? null,
    detail: requestId ? { ...event.detail, requestId } : (event.detail ?? {}),
  };
}
