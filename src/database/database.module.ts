import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOWER_CONFIG, describeError } from 'tower-auth';
import type { ServiceConfig } from '../config/service-settings.js';
import { createDataSource, directUrl, poolUrl } from './data-source.js';
import { DatabaseHealthRepository } from './database-health.repository.js';
import { ListenCheck } from './listen-check.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');
const logger = new Logger('Database');

/**
 * Owns the Postgres connection: starts the embedded server when no DATABASE_URL is set, runs
 * pending migrations unless DB_MIGRATIONS_RUN=false, and closes the pool (then the embedded
 * server) on shutdown.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
  ) {}

  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: TOWER_CONFIG, useValue: config },
        {
          provide: EMBEDDED_DATABASE,
          inject: [TOWER_CONFIG],
          useFactory: (config: ServiceConfig) => {
            if (config.database.url) return null;
            if (config.database.directUrl) {
              throw new Error(
                'DATABASE_DIRECT_URL is set without DATABASE_URL: it goes with a pooler in DATABASE_URL',
              );
            }
            return startEmbeddedPostgres(config.database.embeddedDir, (m) => logger.log(m));
          },
        },
        {
          provide: DataSource,
          inject: [TOWER_CONFIG, EMBEDDED_DATABASE],
          useFactory: (config: ServiceConfig, embedded: EmbeddedDatabase | null) =>
            openDataSource(config, embedded),
        },
        ListenCheck,
        DatabaseHealthRepository,
      ],
      exports: [DataSource, ListenCheck, DatabaseHealthRepository],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

async function openDataSource(
  config: ServiceConfig,
  embedded: EmbeddedDatabase | null,
): Promise<DataSource> {
  const url = poolUrl(config, embedded);
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
    if (config.database.migrationsRun) await runMigrations(directUrl(config, url), url, dataSource);
  } catch (error) {
    await embedded?.stop();
    throw new Error(`Cannot open the database: ${describeError(error)}`, { cause: error });
  }
  return dataSource;
}

/**
 * Migrations run DDL in transactions and read the migrations table between them: with a
 * pooler in front (DATABASE_URL), on a short-lived connection to Postgres itself.
 */
async function runMigrations(url: string, pool: string, pooled: DataSource): Promise<void> {
  const dataSource = url === pool ? pooled : createDataSource(url, { poolSize: 1 });
  try {
    if (dataSource !== pooled) await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0)
      logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    if (dataSource !== pooled && dataSource.isInitialized) await dataSource.destroy();
  }
}
