import { basename, resolve } from 'node:path';
import type { z } from 'zod';
import { isLocalUrl } from '../common/local-url.js';
import { buildTowerConfig } from './config.build.js';
import { KEY_SPECS, REQUIRED, specsOf, type KeyId, type KeySpec } from './config.keys.js';
import type { Settings, SettingTable } from './config.keys.js';
import { envValue, normalizePath, readConfigFile } from './config.sources.js';
import type { ConfigFile, Env, Flat, Leaf } from './config.sources.js';
import { checkRules, checkYamlKeys, type Problems } from './config.validate.js';
import { MASK, readValue, type Value } from './config.values.js';
import { ConfigValidationError, type ConfigEntry } from './tower-config.types.js';
import type { ConfigReport, ConfigSource, ConfigWith } from './tower-config.types.js';

/**
 * `cwd`: base of relative paths and of `./tower.yml`; defaults to the process directory.
 * `settings`: settings of one's own, read, checked and shown like the module's.
 */
export interface LoadTowerConfigOptions<T> extends Pick<
  ReportInputs,
  'env' | 'fallbackSecret' | 'secretNote'
> {
  readonly cwd?: string;
  readonly settings?: T;
}

/**
 * Asked for a secret when none is given and the server URL is localhost (never otherwise), with
 * the settings read: the secret and a warning to show, or an error.
 */
export type FallbackSecret = (
  values: Readonly<Record<string, unknown>>,
) => { readonly secret: string; readonly warning: string } | { readonly error: string };

/** Reads env, tower.yml and defaults into a report; never throws. */
export function loadTowerConfig<T extends SettingTable = Record<never, never>>(
  options: LoadTowerConfigOptions<T>,
): ConfigReport<ConfigWith<T>> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const inputs = { ...options, cwd, file: readConfigFile(options.env, cwd), errors: [] };
  return assembleReport(inputs) as ConfigReport<ConfigWith<T>>;
}

/** A note for the "not set" error (null: the fallback's error is reported instead). */
function useFallback(
  { values, entries }: Resolution,
  { fallbackSecret: fallback, secretNote = '' }: ReportInputs,
  { errors, warnings }: Problems,
): string | null {
  const unset = entries.jwtSecret.source === 'default';
  if (fallback === undefined || !unset || !isLocalUrl(values.serverUrl)) return secretNote;
  const result = fallback(values);
  if ('error' in result) {
    errors.push(result.error);
    return null;
  }
  values.jwtSecret = result.secret;
  entries.jwtSecret = { ...entries.jwtSecret, value: MASK, source: 'generated' };
  warnings.push(result.warning);
  return '';
}

/** The sources, highest first: the environment, the module options (given in code), tower.yml. */
export interface ReportInputs {
  readonly env: Env;
  readonly cwd: string;
  readonly file: ConfigFile;
  /** A module host's options, keyed by option path, e.g. `auth.github.allowList`. */
  readonly options?: Flat;
  /** Found before the settings are read (where the sources are, unknown options). */
  readonly errors: readonly string[];
  /** Added to the error when no secret is given (nor a fallback's), e.g. where to give one. */
  readonly secretNote?: string;
  readonly fallbackSecret?: FallbackSecret;
  readonly settings?: SettingTable;
}

/** The settings read from their sources, checked alone and together, and built when valid. */
export function assembleReport(inputs: ReportInputs): ConfigReport {
  const yaml = inputs.file;
  const resolution = resolveKeys(inputs);
  const keys = checkYamlKeys(resolution, yaml);
  const errors = [...inputs.errors, ...yaml.errors, ...resolution.errors, ...keys.errors];
  const warnings = [...yaml.warnings, ...keys.warnings];
  const rules = checkRules(resolution, useFallback(resolution, inputs, { errors, warnings }));
  errors.push(...rules.errors);
  warnings.push(...rules.warnings);
  const file = { key: 'config-file', env: 'TOWER_CONFIG_FILE', value: yaml.file ?? '' };
  const entries = [{ ...file, source: inputs.file.source }, ...Object.values(resolution.entries)];
  const config = errors.length === 0 ? deepFreeze(buildTowerConfig(resolution)) : null;
  return { config, entries, warnings, errors };
}

/** The settings by key, typed as in `TowerConfig`: `null` when unset or invalid. */
export type Values = { -readonly [P in KeyId]: z.output<Settings[P]['schema']> | null };

/** The settings read: their values, their `config check` rows, and the problems of each. */
export interface Resolution {
  readonly values: Values;
  readonly entries: Record<KeyId, ConfigEntry>;
  readonly errors: string[];
  readonly specs: readonly KeySpec[];
}

function resolveKeys(sources: ReportInputs): Resolution {
  const values: Record<string, Value> = {};
  const entries = {} as Record<KeyId, ConfigEntry>;
  const errors: string[] = [];
  const specs = [...KEY_SPECS, ...specsOf(sources.settings ?? {})];
  for (const spec of specs) {
    const { raw, source, origin } = pick(spec, sources) ?? defaultOf(spec, values);
    const { value, shown, problem } = readValue(spec.schema, raw, sources.cwd);
    if (problem !== undefined) errors.push(`${origin}: ${problem}`);
    values[spec.id] = value;
    entries[spec.id] = { key: spec.key, env: spec.env, value: shown, source };
  }
  return { values: values as Values, entries, errors, specs };
}

/** The value as given, who gave it, and where it was read as messages name it. */
type Given = { readonly raw: unknown; readonly source: ConfigSource; readonly origin: string };

function pick(spec: KeySpec, { env, file: yaml, options }: ReportInputs): Given | null {
  const fromEnv = envValue(env, spec.env);
  if (fromEnv !== null) return { raw: fromEnv, source: 'env', origin: `${spec.env} (${spec.key})` };
  const envNote = spec.env === null ? '' : ` (${spec.env})`;
  const option = options && found(options, spec.option);
  if (option !== undefined) {
    const origin = `${option.path}${envNote} in the module options`;
    return { raw: option.value, source: 'options', origin };
  }
  const leaf = spec.yaml.map((path) => found(yaml, normalizePath(path))).find(Boolean);
  if (leaf === undefined) return null;
  const origin = `${leaf.path}${envNote} in ${yaml.file === null ? 'tower.yml' : basename(yaml.file)}`;
  return { raw: leaf.value, source: 'tower.yml', origin };
}

function found(flat: Flat, key: string): Leaf | undefined {
  return flat.leaves.get(key) ?? flat.mappings.get(key);
}

function defaultOf(spec: KeySpec, values: Record<string, Value>): Given {
  const raw = typeof spec.default === 'function' ? spec.default(values) : spec.default;
  const origin = `default of ${spec.key}`;
  return { raw: raw === REQUIRED ? null : raw, source: 'default', origin };
}

/** The frozen configuration, or a `ConfigValidationError` listing every problem. */
export function loadTowerConfigOrThrow<T extends SettingTable = Record<never, never>>(
  options: LoadTowerConfigOptions<T>,
): ConfigWith<T> {
  return configOrThrow(loadTowerConfig(options));
}

export function configOrThrow<C>(report: ConfigReport<C>): C {
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
