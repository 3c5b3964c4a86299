import { basename, join } from 'node:path';
import { IN_DATA_DIR, KEY_SPECS, REQUIRED, type KeyId, type KeySpec } from './config.keys.js';
import { envValue, normalizePath, type Env, type YamlSource } from './config.sources.js';
import {
  displayValue,
  hideUrlPassword,
  isSecret,
  parseValue,
  type Value,
} from './config.values.js';
import type { ConfigEntry, ConfigSource } from './tower-config.types.js';

export interface Resolved {
  readonly spec: KeySpec;
  /** `null` when unset or invalid. */
  readonly value: Value;
  readonly source: ConfigSource;
  readonly display: string;
}

/** Typed reads of the resolved keys; invalid values read as "absent" so checks do not cascade. */
export class ResolvedValues {
  constructor(private readonly map: Map<KeyId, Resolved>) {}

  get(id: KeyId): Resolved {
    return this.map.get(id)!;
  }

  set(id: KeyId, resolved: Resolved): void {
    this.map.set(id, resolved);
  }

  str(id: KeyId): string | null {
    const { value } = this.get(id);
    return typeof value === 'string' ? value : null;
  }

  /** NaN when invalid, so that comparisons in warnings are false. */
  num(id: KeyId): number {
    const { value } = this.get(id);
    return typeof value === 'number' ? value : NaN;
  }

  bool(id: KeyId): boolean {
    return this.get(id).value === true;
  }

  isSet(id: KeyId): boolean {
    return this.get(id).value !== null;
  }

  entries(): ConfigEntry[] {
    return [...this.map.values()].map(({ spec, display, source }) => ({
      key: spec.key,
      env: spec.env,
      value: display,
      source,
    }));
  }
}

export interface Resolution {
  readonly values: ResolvedValues;
  readonly errors: readonly string[];
  /** Normalised tower.yml paths that belong to a known key (read or shadowed). */
  readonly consumed: ReadonlySet<string>;
}

interface RawPick {
  readonly raw: unknown;
  readonly source: ConfigSource;
  readonly origin: string;
}

/** A value given in code (module options): below the environment, above tower.yml. */
export interface GivenValue {
  readonly raw: unknown;
  /** The option as the caller wrote it, e.g. `auth.github.allowList`. */
  readonly path: string;
}

export type GivenValues = ReadonlyMap<KeyId, GivenValue>;

export function resolveKeys(
  env: Env,
  yaml: YamlSource,
  cwd: string,
  given: GivenValues = new Map(),
): Resolution {
  const map = new Map<KeyId, Resolved>();
  const errors: string[] = [];
  const consumed = new Set<string>();
  for (const spec of KEY_SPECS) {
    spec.yaml.forEach((path) => consumed.add(normalizePath(path)));
    const pick = pickRaw(spec, env, yaml, given) ?? defaultPick(spec, map, cwd);
    const parsed = parseValue(spec.schema, pick.raw, cwd);
    if (!parsed.ok) {
      const shown = isSecret(spec.schema)
        ? 'the value (not shown)'
        : JSON.stringify(hideUrlPassword(spec.schema, pick.raw));
      errors.push(`${pick.origin}: ${shown} ${parsed.problem}`);
    }
    map.set(spec.id, {
      spec,
      value: parsed.ok ? parsed.value : null,
      source: pick.source,
      display: displayValue(spec.schema, pick.raw, parsed),
    });
  }
  return { values: new ResolvedValues(map), errors, consumed };
}

function pickRaw(spec: KeySpec, env: Env, yaml: YamlSource, given: GivenValues): RawPick | null {
  const fromEnv = envValue(env, spec.env);
  if (fromEnv !== null) {
    return { raw: fromEnv, source: 'env', origin: `${spec.env} (${spec.key})` };
  }
  const envNote = spec.env === null ? '' : ` (${spec.env})`;
  const option = given.get(spec.id);
  if (option !== undefined) {
    const origin = `${option.path}${envNote} in the module options`;
    return { raw: option.raw, source: 'options', origin };
  }
  const file = yaml.file === null ? 'tower.yml' : basename(yaml.file);
  for (const path of spec.yaml) {
    const leaf = yaml.leaves.get(normalizePath(path)) ?? yaml.mappings.get(normalizePath(path));
    if (leaf) {
      return { raw: leaf.value, source: 'tower.yml', origin: `${leaf.path}${envNote} in ${file}` };
    }
  }
  return null;
}

function defaultPick(spec: KeySpec, map: ReadonlyMap<KeyId, Resolved>, cwd: string): RawPick {
  const origin = `default of ${spec.key}`;
  if (spec.default === REQUIRED) return { raw: null, source: 'default', origin };
  if (spec.default !== IN_DATA_DIR) return { raw: spec.default, source: 'default', origin };
  const dataDir = map.get('dataDir')?.value;
  return {
    raw: join(typeof dataDir === 'string' ? dataDir : cwd, 'postgres'),
    source: 'default',
    origin,
  };
}

/** The informational entry for the tower.yml location itself. */
export function configFileEntry(env: Env, file: string | null): ConfigEntry {
  return {
    key: 'config-file',
    env: 'TOWER_CONFIG_FILE',
    value: file ?? '',
    source: envValue(env, 'TOWER_CONFIG_FILE') === null ? 'default' : 'env',
  };
}
