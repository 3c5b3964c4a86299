import { closest, KEY_SPECS } from './config.keys.js';
import { assembleReport, configOrThrow } from './config.loader.js';
import { flatten, isMapping, readConfigFile } from './config.sources.js';
import type { Env, Flat } from './config.sources.js';
import type { AuthModuleConfigOptions } from './module-options.types.js';
import type { ConfigReport, TowerConfig } from './tower-config.types.js';

export type * from './module-options.types.js';

const SECRET_NOTE = '; give it as the jwtSecret option (or TOWER_JWT_SECRET in env)';
/** Options that say where to read, not what: they hold no setting. */
const SOURCE_OPTIONS = ['env', 'configFile', 'cwd'];

const OPTIONS = new Set(KEY_SPECS.flatMap((spec) => spec.option ?? []));

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

/** Like `resolveModuleConfig` but never throws. */
export function moduleConfigReport(options: AuthModuleConfigOptions): ConfigReport<TowerConfig> {
  if (!isMapping(options)) {
    const errors = [`The AuthModule options must be an object, not ${describe(options)}`];
    return { config: null, entries: [], warnings: [], errors };
  }
  const { env: givenEnv, configFile, cwd: givenCwd, ...settings } = options;
  const errors: string[] = [];
  const cwd = textOption('cwd', givenCwd, errors) ?? process.cwd();
  const env = stringsOf(givenEnv, errors);
  const file = readConfigFile(env, cwd, textOption('configFile', configFile, errors));
  const given = readOptions(settings);
  return assembleReport({
    env,
    cwd,
    file,
    options: given,
    errors: [...errors, ...given.errors],
    secretNote: SECRET_NOTE,
  });
}

function textOption(name: string, value: unknown, errors: string[]): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  errors.push(`${name} must be a non-empty string, not ${describe(value)}`);
  return null;
}

function stringsOf(env: unknown, errors: string[]): Env {
  if (env === undefined || env === null) return {};
  if (!isMapping(env)) {
    errors.push(`env must be an object of variables, not ${describe(env)}`);
    return {};
  }
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') {
      strings[name] = value;
    } else if (value !== undefined) {
      errors.push(`env.${name} must be a string, not ${describe(value)}`);
    }
  }
  return strings;
}

/** The settings given as options, by option path; unknown names are errors. */
function readOptions(settings: Record<string, unknown>): Flat {
  const flat = flatten(settings, { where: '', listOfOne: 'auth.oidc' });
  const unknown = new Set<string>();
  for (const [path, { value }] of [...flat.mappings, ...flat.leaves]) {
    const name = unknownName(path);
    if (name !== null) unknown.add(name);
    else if (flat.leaves.has(path) && childrenOf(path).length > 0) {
      flat.errors.push(`${path} must be an object of options, not ${describe(value)}`);
    }
  }
  flat.errors.push(...[...unknown].map(unknownOption));
  return flat;
}

/** The first name in `path` that is no option; a name inside a setting's value is the setting's. */
function unknownName(path: string): string | null {
  const segments = path.split('.');
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('.');
    if (OPTIONS.has(prefix)) return null;
    if (childrenOf(prefix).length === 0) return prefix;
  }
  return null;
}

/** The names an option object may hold (`''`: the top level). */
function childrenOf(prefix: string): string[] {
  const start = prefix === '' ? '' : `${prefix}.`;
  const names = [...OPTIONS]
    .filter((path) => path.startsWith(start))
    .map((path) => path.slice(start.length).split('.')[0]);
  return [...new Set(prefix === '' ? [...SOURCE_OPTIONS, ...names] : names)];
}

/** Names only: the value of a mistyped option may be a secret. */
function unknownOption(path: string): string {
  const prefix = path.includes('.') ? path.replace(/\.[^.]+$/, '') : '';
  const siblings = childrenOf(prefix);
  const guess = closest(path.slice(prefix === '' ? 0 : prefix.length + 1), siblings);
  if (guess !== undefined) {
    return `Unknown option ${path} (did you mean ${prefix === '' ? '' : `${prefix}.`}${guess}?)`;
  }
  const where = prefix === '' ? 'the module options are' : `the options of ${prefix} are`;
  return `Unknown option ${path}: ${where} ${siblings.join(', ')}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
