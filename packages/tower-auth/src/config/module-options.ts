import os from 'node:os';
import { loadTowerConfig } from './config.loader.js';
import { ConfigValidationError, type TowerConfig } from './tower-config.types.js';

/** Placeholder until the typed options land: the Seqera-style sources only. */
export interface AuthModuleConfigOptions {
  serverUrl?: string;
  jwtSecret?: string;
  env?: Record<string, string | undefined>;
  configFile?: string;
}

export function resolveModuleConfig(options: AuthModuleConfigOptions): {
  config: TowerConfig;
  warnings: readonly string[];
} {
  const env: Record<string, string | undefined> = { ...options.env };
  if (options.serverUrl) env.TOWER_SERVER_URL = options.serverUrl;
  if (options.jwtSecret) env.TOWER_JWT_SECRET = options.jwtSecret;
  if (options.configFile) env.TOWER_CONFIG_FILE = options.configFile;
  const report = loadTowerConfig({ env, cwd: os.tmpdir() });
  if (!report.config) throw new ConfigValidationError(report.errors);
  return { config: report.config, warnings: report.warnings };
}
