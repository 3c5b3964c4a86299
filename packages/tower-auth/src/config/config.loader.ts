import { resolve } from 'node:path';
import { buildTowerConfig } from './config.build.js';
import { resolveKeys, type Resolution, type Sources } from './config.resolve.js';
import { applyDevSecret } from './config.secret.js';
import { envValue, locateConfigFile, readYamlSource, type Env } from './config.sources.js';
import { checkRules, checkYamlKeys, type Problems } from './config.validate.js';
import { ConfigValidationError, type ConfigSource } from './tower-config.types.js';
import type { ConfigReport, TowerConfig } from './tower-config.types.js';

export interface LoadTowerConfigOptions {
  readonly env: Env;
  /** Base of relative paths and of the default `tower.yml`; defaults to the process directory. */
  readonly cwd?: string;
  /** Use (and create) `<dataDir>/jwt-secret` when TOWER_JWT_SECRET is absent and the URL is local. */
  readonly allowGeneratedSecret?: boolean;
  /** With `allowGeneratedSecret`: read an existing development secret but never write one. */
  readonly dryRun?: boolean;
}

/** Reads env, tower.yml and defaults into a report; never throws. */
export function loadTowerConfig(options: LoadTowerConfigOptions): ConfigReport {
  const { env } = options;
  const cwd = resolve(options.cwd ?? process.cwd());
  const located = locateConfigFile(env, cwd);
  return assembleReport({
    env,
    cwd,
    yaml: readYamlSource(located.file, env),
    errors: located.error ? [located.error] : [],
    fileSource: envValue(env, 'TOWER_CONFIG_FILE') === null ? 'default' : 'env',
    secretNote: (resolution, found) => applyDevSecret(resolution, options, found),
  });
}

export interface ReportInputs extends Sources {
  /** Found before the settings are read (where the sources are, unknown options). */
  readonly errors: readonly string[];
  /** Who named tower.yml: `env` (TOWER_CONFIG_FILE), `options` (configFile) or nobody. */
  readonly fileSource: ConfigSource;
  /** Why no secret is at hand when none is given, or null when that is already reported. */
  readonly secretNote: (resolution: Resolution, found: Problems) => string | null;
}

/** The settings read from their sources, checked alone and together, and built when valid. */
export function assembleReport(inputs: ReportInputs): ConfigReport {
  const { yaml } = inputs;
  const resolution = resolveKeys(inputs);
  const keys = checkYamlKeys(resolution, yaml);
  const errors = [...inputs.errors, ...yaml.errors, ...resolution.errors, ...keys.errors];
  const warnings = [...yaml.warnings, ...keys.warnings];
  const rules = checkRules(resolution, inputs.secretNote(resolution, { errors, warnings }));
  errors.push(...rules.errors);
  warnings.push(...rules.warnings);
  const file = { key: 'config-file', env: 'TOWER_CONFIG_FILE', value: yaml.file ?? '' };
  const entries = [{ ...file, source: inputs.fileSource }, ...Object.values(resolution.entries)];
  const config = errors.length === 0 ? deepFreeze(buildTowerConfig(resolution)) : null;
  return { config, entries, warnings, errors };
}

/** The frozen configuration, or a `ConfigValidationError` listing every problem. */
export function loadTowerConfigOrThrow(options: LoadTowerConfigOptions): TowerConfig {
  return configOrThrow(loadTowerConfig(options));
}

export function configOrThrow(report: ConfigReport): TowerConfig {
  if (report.config === null) throw new ConfigValidationError(report.errors);
  return report.config;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
