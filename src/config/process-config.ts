import { loadTowerConfig, ConfigValidationError, type TowerConfig } from 'tower-auth';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability-config.js';

/**
 * The one place that hands the process environment to the loader: nothing outside this
 * folder reads `process.env`. Throws ConfigValidationError listing every problem.
 */
export function loadServiceConfig(): { config: TowerConfig; warnings: readonly string[] } {
  const report = loadTowerConfig({
    env: process.env,
    cwd: process.cwd(),
    allowGeneratedSecret: true,
  });
  if (report.errors.length > 0 || !report.config) throw new ConfigValidationError(report.errors);
  return { config: report.config, warnings: report.warnings };
}

export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

export function loadServiceObservability(): ObservabilityConfig {
  return loadObservabilityConfig(process.env, process.stdout.isTTY === true);
}
