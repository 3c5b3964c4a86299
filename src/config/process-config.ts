import {
  loadTowerConfig,
  loadTowerConfigOrThrow,
  ConfigValidationError,
  type ConfigReport,
} from 'tower-auth';
import { developmentSecret } from './dev-secret.js';
import { SERVICE_SETTINGS, type ServiceConfig } from './service-settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The one place that hands the process environment to the loader: nothing outside this
 * folder reads `process.env`. Throws ConfigValidationError listing every problem.
 */
export function loadServiceConfig(): { config: ServiceConfig; warnings: readonly string[] } {
  const report = serviceConfigReport(process.env, process.cwd());
  if (report.errors.length > 0 || !report.config) throw new ConfigValidationError(report.errors);
  return { config: report.config, warnings: report.warnings };
}

/**
 * The service's settings: `env`, then `TOWER_CONFIG_FILE` or `<cwd>/tower.yml`, then defaults,
 * with a development secret for a local server URL; `write: false` (config check) never creates
 * one. Never throws.
 */
export function serviceConfigReport(
  env: Env,
  cwd: string,
  write = true,
): ConfigReport<ServiceConfig> {
  const secretNote = '; a development secret is generated only when the server URL is localhost';
  const fallbackSecret = developmentSecret(write);
  return loadTowerConfig({ env, cwd, settings: SERVICE_SETTINGS, fallbackSecret, secretNote });
}

/** The configuration these variables give (no development secret): for tests and benchmarks. */
export function serviceConfigOf(env: Env, cwd: string): ServiceConfig {
  return loadTowerConfigOrThrow({ env, cwd, settings: SERVICE_SETTINGS });
}

export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}
