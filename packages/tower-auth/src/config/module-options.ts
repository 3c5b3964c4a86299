import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KEY_SPECS } from './config.keys.js';
import { assembleReport, configOrThrow } from './config.loader.js';
import { configFileEntry } from './config.resolve.js';
import {
  envValue,
  isMapping,
  normalizePath,
  readYamlSource,
  type Env,
  type YamlSource,
} from './config.sources.js';
import { describe, readModuleOptions } from './module-options.paths.js';
import type { AuthModuleConfigOptions } from './module-options.types.js';
import type { ConfigReport, ConfigSource, TowerConfig } from './tower-config.types.js';

export type * from './module-options.types.js';
export { MODULE_OPTION_PATHS } from './module-options.paths.js';

const SECRET_NOTE = '; give it as the jwtSecret option (or TOWER_JWT_SECRET in env)';
/** The settings of the standalone service (`PORT`, `DATABASE_URL`, …) are not the module's. */
const SERVICE_ONLY = KEY_SPECS.filter((spec) => spec.option === null);
const SERVICE_ENV = new Set(SERVICE_ONLY.map((spec) => spec.env));
const SERVICE_YAML = new Set(SERVICE_ONLY.flatMap((spec) => spec.yaml.map(normalizePath)));

/**
 * The configuration of a module host: `options` checked by the same rules, with the same
 * defaults, as the service's environment and `tower.yml`. Throws `ConfigValidationError`
 * listing every problem at once; secret values never appear in it.
 */
export function resolveModuleConfig(options: AuthModuleConfigOptions): {
  config: TowerConfig;
  warnings: string[];
} {
  const report = moduleConfigReport(options);
  return { config: configOrThrow(report), warnings: [...report.warnings] };
}

/** Like `resolveModuleConfig` but never throws; `formatConfigReport` prints it as `config check`. */
export function moduleConfigReport(options: AuthModuleConfigOptions): ConfigReport {
  if (!isMapping(options)) {
    return report([`The AuthModule options must be an object, not ${describe(options)}`]);
  }
  const errors: string[] = [];
  const cwd = textOption(options, 'cwd', errors) ?? process.cwd();
  const given = givenEnv(options.env, errors);
  const env = withoutServiceVariables(given);
  const named = configFileName(options, env, errors);
  const file = named === null ? null : existingFile(resolve(cwd, named.value), named.by, errors);
  const read = readModuleOptions(options);
  const source: ConfigSource =
    named === null ? 'default' : named.by === 'configFile' ? 'options' : 'env';
  return assembleReport({
    env,
    cwd,
    yaml: withoutServiceKeys(readYamlSource(file, given)),
    given: read.given,
    errors: [...errors, ...read.errors],
    fileEntry: { ...configFileEntry(env, file), source },
    secretNote: () => SECRET_NOTE,
  });
}

function report(errors: string[]): ConfigReport {
  return { config: null, entries: [], warnings: [], errors };
}

function textOption(
  options: Record<string, unknown>,
  name: 'cwd' | 'configFile',
  errors: string[],
): string | null {
  const value = options[name];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  errors.push(`${name} must be a non-empty string, not ${describe(value)}`);
  return null;
}

function givenEnv(env: unknown, errors: string[]): Env {
  if (env === undefined || env === null) return {};
  if (!isMapping(env)) {
    errors.push(`env must be an object of variables, not ${describe(env)}`);
    return {};
  }
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') strings[name] = value;
    else if (value !== undefined)
      errors.push(`env.${name} must be a string, not ${describe(value)}`);
  }
  return strings;
}

function withoutServiceVariables(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SERVICE_ENV.has(name)));
}

interface NamedFile {
  readonly value: string;
  readonly by: 'TOWER_CONFIG_FILE' | 'configFile';
}

function configFileName(
  options: Record<string, unknown>,
  env: Env,
  errors: string[],
): NamedFile | null {
  const fromOption = textOption(options, 'configFile', errors);
  const fromEnv = envValue(env, 'TOWER_CONFIG_FILE');
  if (fromEnv !== null) return { value: fromEnv.trim(), by: 'TOWER_CONFIG_FILE' };
  return fromOption === null ? null : { value: fromOption, by: 'configFile' };
}

function existingFile(file: string, by: NamedFile['by'], errors: string[]): string | null {
  if (existsSync(file)) return file;
  errors.push(`${by} points to ${file}, which does not exist`);
  return null;
}

/** A tower.yml shared with the service may hold its database and data folder: not ours. */
function withoutServiceKeys(yaml: YamlSource): YamlSource {
  const keep = <V>(map: ReadonlyMap<string, V>): Map<string, V> =>
    new Map([...map].filter(([key]) => !SERVICE_YAML.has(key)));
  return { ...yaml, leaves: keep(yaml.leaves), mappings: keep(yaml.mappings) };
}
