import { join } from 'node:path';
import { kinds as k, setting as set, type ConfigWith } from 'tower-auth';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'log'] as const;

/** A default inside the data folder, however it is set. */
function inDataDir(name: string) {
  return ({ dataDir }: Readonly<Record<string, unknown>>): string =>
    join(typeof dataDir === 'string' ? dataDir : '.data', name);
}

/**
 * The standalone service's own settings, beside the module's: its HTTP server, database, data
 * folder, logs and metrics. A module host has its own of each.
 */
// prettier-ignore
export const SERVICE_SETTINGS = {
  dataDir: set(k.path, '.data', 'TOWER_DATA_DIR', 'tower.data-dir'),
  'http.port': set(k.port(0), 8000, 'PORT', []),
  'http.host': set(k.text, '0.0.0.0', 'HOST', []),
  'http.platform': set(k.oneOf(['fastify', 'express']), 'fastify', 'HTTP_PLATFORM', []),
  // `auto`: text on a terminal, JSON otherwise. pino's levels; `log` (Nest's word) is info.
  'log.format': set(k.oneOf(['auto', 'json', 'text']), 'auto', 'TOWER_LOG_FORMAT', []),
  'log.level': set(k.oneOf(LOG_LEVELS), 'info', 'TOWER_LOG_LEVEL', []),
  'metrics.port': set(k.port(0), null, 'TOWER_METRICS_PORT', []),
  'metrics.token': set(k.longSecret(16), null, 'TOWER_METRICS_TOKEN', []),
  'database.url': set(k.databaseUrl, null, 'DATABASE_URL', 'tower.db.url'),
  'database.migrationsRun': set(k.flag, true, 'DB_MIGRATIONS_RUN', 'tower.db.migrations-run'),
  'database.embeddedDir': set(k.path, inDataDir('postgres'), 'TOWER_DB_EMBEDDED_DIR',
    'tower.db.embedded-dir'),
};

/** The module's configuration and the service's own settings. */
export type ServiceConfig = ConfigWith<typeof SERVICE_SETTINGS>;
export type HttpPlatform = ServiceConfig['http']['platform'];
