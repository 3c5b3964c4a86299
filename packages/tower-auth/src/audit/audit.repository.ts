import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditEventEntity } from './audit-event.entity.js';

/** A row of audit_events as written. */
export interface NewAuditRow {
  readonly type: string;
  readonly userId: string | null;
  readonly provider: string | null;
  readonly ipAddress: string | null;
  readonly detail: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEventEntity[];
  total: number;
}

/** The columns of a page item, in the entity's order (the admin API answers them as they come). */
const COLUMNS = `a.id::text AS id, a.type, a.user_id::text AS "userId", a.provider,
  a.ip_address AS "ipAddress", a.detail, a.created_at AS "createdAt"`;

/** SQL of audit_events. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** On the pool, or in the caller's transaction `tx`. */
  async insert(row: NewAuditRow, tx?: EntityManager): Promise<void> {
    await (tx ?? this.dataSource.manager).query(
      `INSERT INTO tower_auth.audit_events (type, user_id, provider, ip_address, detail)
       VALUES ($1, $2, $3, $4, $5)`,
      [row.type, row.userId, row.provider, row.ipAddress, row.detail],
    );
  }

  /** Newest first; each filter given narrows the page and its total. */
  async page(
    offset: number,
    max: number,
    filter: { type?: string; userId?: string },
  ): Promise<AuditPage> {
    const matching = `FROM tower_auth.audit_events a
      WHERE ($1::text IS NULL OR a.type = $1) AND ($2::bigint IS NULL OR a.user_id = $2)`;
    const params = [filter.type ?? null, filter.userId ?? null];
    const [items, counted] = await Promise.all([
      this.dataSource.query<AuditEventEntity[]>(
        `SELECT ${COLUMNS} ${matching} ORDER BY a.id DESC LIMIT $3 OFFSET $4`,
        [...params, max, offset],
      ),
      this.dataSource.query<{ total: number }[]>(
        `SELECT count(*)::int AS total ${matching}`,
        params,
      ),
    ]);
    return { items, total: counted[0].total };
  }
}
