import 'reflect-metadata';
import { ConfigValidationError } from 'tower-auth';
import { runConfigCheck } from './config/config-check.js';
import { loadServiceConfig, processEnvironment } from './config/process-config.js';
import { createDataSource, directUrl, poolUrl } from './database/data-source.js';
import { startEmbeddedPostgres } from './database/embedded-postgres.js';

const USAGE = `Usage: tower-auth <command>
  config check        print the effective configuration, its sources, warnings and errors
  migration run       apply pending migrations
  migration revert    undo the last migration
  migration show      list migrations and whether they are applied`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function migration(action: string): Promise<number> {
  const { config } = loadServiceConfig();
  const embedded = config.database.url
    ? null
    : await startEmbeddedPostgres(config.database.embeddedDir, out);
  // Migrations take locks and run DDL in transactions: on Postgres itself, not via a pooler.
  const dataSource = createDataSource(directUrl(config, poolUrl(config, embedded)));
  try {
    await dataSource.initialize();
    if (action === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      out(
        applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'Nothing to apply',
      );
    } else if (action === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      out('Reverted the last migration');
    } else {
      const pending = await dataSource.showMigrations();
      out(pending ? 'Some migrations are pending' : 'All migrations are applied');
    }
    return 0;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

async function main(args: string[]): Promise<number> {
  const [group, action] = args;
  if (group === 'config' && action === 'check') {
    return runConfigCheck(processEnvironment(), process.cwd(), out);
  }
  if (group === 'migration' && ['run', 'revert', 'show'].includes(action ?? '')) {
    return migration(action);
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigValidationError || error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
