import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { createApp } from './app/create-app.js';
import { loadServiceConfig } from './config/process-config.js';
import { ConfigValidationError } from 'tower-auth';

const logger = new Logger('Main');

async function main(): Promise<void> {
  const { config, warnings } = loadServiceConfig();
  for (const warning of warnings) logger.warn(warning);
  const app = await createApp(config);
  await app.listen(config.http.port, config.http.host);
  const shown = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  logger.log(`Listening on http://${shown}:${config.http.port} (server URL ${config.serverUrl})`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutDown(app, signal));
  }
}

/**
 * Nest closes the HTTP server (in-flight requests finish, no new ones), then the jobs, the
 * pool and the embedded database, in that order; a clean stop exits 0. Nest's own shutdown
 * hooks would re-raise the signal instead. A second signal stops at once.
 */
async function shutDown(app: INestApplication, signal: string): Promise<void> {
  logger.log(`${signal}: shutting down`);
  process.once(signal, () => process.exit(1));
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.error(error instanceof Error ? error.message : String(error));
  }
  process.exit(1);
});
