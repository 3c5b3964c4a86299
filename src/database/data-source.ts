import { DataSource } from 'typeorm';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from 'tower-auth';

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
