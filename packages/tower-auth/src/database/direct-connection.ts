import type pg from 'pg';
import type { DataSource } from 'typeorm';

/** The connection fields of a TypeORM Postgres data source that `pg` understands. */
interface PostgresFields {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string | (() => string) | (() => Promise<string>);
  database?: string;
  ssl?: pg.ClientConfig['ssl'];
  replication?: { master?: PostgresFields };
}

/**
 * Settings for a connection of the module's own (the revocation listener, the purge lock):
 * these hold session state (LISTEN, a session advisory lock), which a transaction-mode pooler
 * does not keep, so `directUrl` (Postgres itself) wins when the host gives one. Otherwise they
 * come from the host's DataSource options whether it was configured by `url` or by fields (or
 * as a replication set: the primary), so they reach the same database as the pool.
 */
export function directConnectionConfig(
  dataSource: DataSource,
  extra: Pick<pg.ClientConfig, 'application_name' | 'connectionTimeoutMillis'>,
  directUrl: string | null = null,
): pg.ClientConfig {
  const options = dataSource.options as PostgresFields & { type?: string };
  if (options.type !== undefined && options.type !== 'postgres') {
    throw new Error(`tower-auth needs a Postgres DataSource, not ${options.type}`);
  }
  if (directUrl) return { connectionString: directUrl, ...extra };
  const source = options.replication?.master ?? options;
  return {
    ...(source.url ? { connectionString: source.url } : {}),
    ...(source.host !== undefined ? { host: source.host } : {}),
    ...(source.port !== undefined ? { port: source.port } : {}),
    ...(source.username !== undefined ? { user: source.username } : {}),
    ...(source.password !== undefined ? { password: source.password } : {}),
    ...(source.database !== undefined ? { database: source.database } : {}),
    ...((source.ssl ?? options.ssl) !== undefined ? { ssl: source.ssl ?? options.ssl } : {}),
    ...extra,
  };
}
