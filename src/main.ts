import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { createApp } from './app/create-app.js';
import { observabilityOf } from './config/observability-config.js';
import { loadServiceConfig } from './config/process-config.js';
import { createRootLogger, flushLogs } from './observability/logging.js';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';
import { PromMetrics } from './observability/prom-metrics.js';
import { ConfigValidationError } from 'tower-auth';
import type { Logger as PinoLogger } from 'pino';

const logger = new Logger('Main');

async function main(): Promise<void> {
  const { config, warnings } = loadServiceConfig();
  const settings = observabilityOf(config, process.stdout.isTTY === true);
  const log = createRootLogger(settings);
  const metrics = new PromMetrics();
  const app = await createApp(config, {
    observability: { log, metrics, metricsToken: settings.metricsToken },
  });
  for (const warning of warnings) logger.warn(warning);
  await app.listen(config.http.port, config.http.host);
  const shown = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  logger.log(`Listening on http://${shown}:${config.http.port} (server URL ${config.serverUrl})`);
  let metricsServer: MetricsServer | null = null;
  if (settings.metricsPort !== null) {
    metricsServer = await startMetricsServer(metrics, settings.metricsPort, config.http.host);
    logger.log(`Metrics on http://${shown}:${metricsServer.port}/metrics`);
  }
  // The boot lines now, not with the next batch.
  flushLogs(log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutDown(app, signal, metricsServer, log));
  }
}

/**
 * Nest closes the HTTP server (in-flight requests finish, no new ones), then the jobs, the
 * pool and the embedded database, in that order; a clean stop exits 0. Nest's own shutdown
 * hooks would re-raise the signal instead. A second signal stops at once.
 */
async function shutDown(
  app: INestApplication,
  signal: string,
  metricsServer: MetricsServer | null,
  log: PinoLogger,
): Promise<void> {
  logger.log(`${signal}: shutting down`);
  process.once(signal, () => process.exit(1));
  try {
    await metricsServer?.close();
    await app.close();
    flushLogs(log);
    process.exit(0);
  } catch (error) {
    logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
    flushLogs(log);
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
