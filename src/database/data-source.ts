import { DataSource } from 'typeorm';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from 'tower-auth';
import type { ServiceConfig } from '../config/service-settings.js';

export interface DataSourceOptions {
  /** Connections in the pool. */
  poolSize?: number;
  /** How long a request waits for a connection before failing (a down database must not hang). */
  connectTimeoutMs?: number;
}

/** The one data source definition, used by the service, the migration CLI and the tests. */
export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: AUTH_ENTITIES,
    migrations: AUTH_MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // TypeORM's error log prints query parameters; errors are logged by our code, redacted.
    logging: false,
    applicationName: 'tower-auth',
    poolSize: options.poolSize ?? 10,
    extra: {
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30000,
    },
  });
}

/** Where the pool connects: DATABASE_URL, else the embedded server the service started. */
export function poolUrl(config: ServiceConfig, embedded: { url: string } | null): string {
  const url = config.database.url ?? embedded?.url;
  if (!url) throw new Error('No database: set DATABASE_URL or let the embedded one start');
  return url;
}

/**
 * Where work that holds a connection's state connects (migrations take locks and run DDL in
 * transactions, LISTEN waits): Postgres itself, DATABASE_DIRECT_URL, when DATABASE_URL is a
 * transaction-mode pooler; otherwise where the pool connects.
 */
export function directUrl(config: ServiceConfig, pool: string): string {
  return config.database.directUrl ?? pool;
}
