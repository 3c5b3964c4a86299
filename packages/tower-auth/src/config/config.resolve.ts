import { basename, join } from 'node:path';
import type { z } from 'zod';
import { IN_DATA_DIR, KEY_SPECS, REQUIRED, type KeyId, type KeySpec } from './config.keys.js';
import type { Settings } from './config.keys.js';
import { envValue, normalizePath, type Env, type Flat, type Leaf } from './config.sources.js';
import type { YamlSource } from './config.sources.js';
import { displayValue, parseValue, shownInMessage, type Value } from './config.values.js';
import type { ConfigEntry, ConfigSource } from './tower-config.types.js';

/** The settings by key, typed as in `TowerConfig`: `null` when unset or invalid. */
export type Values = { -readonly [P in KeyId]: z.output<Settings[P]['schema']> | null };

/** The settings read: their values, their `config check` rows, and the problems of each. */
export interface Resolution {
  readonly values: Values;
  readonly entries: Record<KeyId, ConfigEntry>;
  readonly errors: string[];
}

/** Highest first: the environment, the module options (given in code), tower.yml. */
export interface Sources {
  readonly env: Env;
  readonly cwd: string;
  readonly yaml: YamlSource;
  /** A module host's options, keyed by option path, e.g. `auth.github.allowList`. */
  readonly options?: Flat;
}

export function resolveKeys(sources: Sources): Resolution {
  const values: Record<string, Value> = {};
  const entries = {} as Record<KeyId, ConfigEntry>;
  const errors: string[] = [];
  for (const spec of KEY_SPECS) {
    const { raw, source, origin } = pick(spec, sources) ?? defaultOf(spec, values, sources.cwd);
    const parsed = parseValue(spec.schema, raw, sources.cwd);
    if (!parsed.ok) errors.push(`${origin}: ${shownInMessage(spec.schema, raw)} ${parsed.problem}`);
    values[spec.id] = parsed.ok ? parsed.value : null;
    const value = displayValue(spec.schema, raw, parsed);
    entries[spec.id] = { key: spec.key, env: spec.env, value, source };
  }
  return { values: values as Values, entries, errors };
}

interface Pick {
  readonly raw: unknown;
  readonly source: ConfigSource;
  /** Where the value was read, as messages name it. */
  readonly origin: string;
}

function pick(spec: KeySpec, { env, yaml, options }: Sources): Pick | null {
  // A module host's env and tower.yml may be the service's: its settings are not the module's.
  if (options !== undefined && spec.option === null) return null;
  const fromEnv = envValue(env, spec.env);
  if (fromEnv !== null) return { raw: fromEnv, source: 'env', origin: `${spec.env} (${spec.key})` };
  const envNote = spec.env === null ? '' : ` (${spec.env})`;
  const option = options && spec.option !== null ? found(options, spec.option) : undefined;
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

function defaultOf(spec: KeySpec, values: Record<string, Value>, cwd: string): Pick {
  const pick = { raw: spec.default, source: 'default', origin: `default of ${spec.key}` } as const;
  if (spec.default === REQUIRED) return { ...pick, raw: null };
  if (spec.default !== IN_DATA_DIR) return pick;
  const dataDir = values.dataDir;
  return { ...pick, raw: join(typeof dataDir === 'string' ? dataDir : cwd, 'postgres') };
}
