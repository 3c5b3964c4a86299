import { z } from 'zod';
import { KEY_SPECS, unknownName } from './config.keys.js';
import { assembleReport, configOrThrow } from './config.loader.js';
import { flatten, isMapping, readConfigFile } from './config.sources.js';
import type { Flat } from './config.sources.js';
import type { AuthModuleConfigOptions } from './module-options.types.js';
import type { ConfigReport, TowerConfig } from './tower-config.types.js';

export type * from './module-options.types.js';

const SECRET_NOTE = '; give it as the jwtSecret option (or TOWER_JWT_SECRET in env)';
const filled = z.string().trim().min(1, 'must not be empty');
/** The options that say where to read, not what: they hold no setting. */
const SOURCES = {
  env: z.record(z.string(), z.string().optional()).default({}),
  configFile: filled.nullable().default(null),
  cwd: filled.default(() => process.cwd()),
};
type Source<K extends keyof typeof SOURCES> = (typeof SOURCES)[K];
/** Every name the options may hold (a setting's option, or where to read). */
const OPTIONS = [...Object.keys(SOURCES), ...KEY_SPECS.map((spec) => spec.option)];

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
  const errors: string[] = [];
  const source = <K extends keyof typeof SOURCES>(name: K): z.output<Source<K>> => {
    const parsed = SOURCES[name].safeParse(options[name]);
    for (const { path, message } of parsed.error?.issues ?? []) {
      errors.push(`${[name, ...path].join('.')}: ${message}`);
    }
    return (parsed.success ? parsed.data : SOURCES[name].parse(undefined)) as z.output<Source<K>>;
  };
  const [env, cwd] = [source('env'), source('cwd')];
  const file = readConfigFile(env, cwd, source('configFile'));
  const settings = Object.entries(options).filter(([name]) => !(name in SOURCES));
  const given = readOptions(Object.fromEntries(settings));
  return assembleReport({
    env,
    cwd,
    file,
    options: given,
    errors: [...errors, ...given.errors],
    secretNote: SECRET_NOTE,
  });
}

/** The settings given as options, by option path; unknown names are errors. */
function readOptions(settings: Record<string, unknown>): Flat {
  const flat = flatten(settings, { where: '', listOfOne: 'auth.oidc' });
  const problems = new Map<string, string>();
  for (const [path, { value }] of [...flat.mappings, ...flat.leaves]) {
    const unknown = unknownName(path, OPTIONS);
    if (unknown === null || (unknown.section && flat.mappings.has(path))) continue;
    const notObject = `${path} must be an object of options, not ${describe(value)}`;
    problems.set(unknown.name, unknown.section ? notObject : unknownOption(unknown));
  }
  flat.errors.push(...problems.values());
  return flat;
}

type Unknown = NonNullable<ReturnType<typeof unknownName>>;

/** Names only: the value of a mistyped option may be a secret. */
function unknownOption({ name, guess, parent, siblings }: Unknown): string {
  if (guess !== undefined) return `Unknown option ${name} (did you mean ${guess}?)`;
  const where = parent === '' ? 'the module options are' : `the options of ${parent} are`;
  return `Unknown option ${name}: ${where} ${siblings.join(', ')}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
