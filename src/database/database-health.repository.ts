import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The statements of the health probes. */
@Injectable()
export class DatabaseHealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One round trip through the pool. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * Whether every migration this build carries is recorded as applied. Throws when the
   * migrations table does not exist yet (nothing applied) or the database is away.
   */
  async migrationsApplied(): Promise<boolean> {
    const names = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const rows = await this.dataSource.query<{ applied: number }[]>(
      `SELECT count(DISTINCT name)::int AS applied FROM "${table.replace(/"/g, '""')}" WHERE name = ANY($1)`,
      [names],
    );
    return rows[0]?.applied === names.length;
  }
}
