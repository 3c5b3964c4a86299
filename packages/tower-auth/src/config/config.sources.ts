import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { describeError } from '../common/describe-error.js';
import type { ConfigSource } from './tower-config.types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A scalar or list (or a mapping) as found, with its dotted path as written. */
export interface Leaf {
  readonly path: string;
  readonly value: unknown;
}

/** tower.yml or the module options, flattened to dotted paths. */
export interface Flat {
  /** Blank values are left out: not given. */
  readonly leaves: Map<string, Leaf>;
  /** To tell "a mapping where a value belongs" from "absent". */
  readonly mappings: Map<string, Leaf>;
  readonly errors: string[];
  readonly warnings: string[];
}

export interface YamlSource extends Flat {
  readonly file: string | null;
}

/** tower.yml, and who named it: `env` (TOWER_CONFIG_FILE), `options` (configFile) or nobody. */
export type ConfigFile = YamlSource & { readonly source: ConfigSource };

interface FlattenRules {
  /** Where the object is, as messages say it: ` in tower.yml`, or nothing for the options. */
  readonly where: string;
  /** tower.yml binds keys relaxed (`normalizePath`); the module options exactly. */
  readonly key?: (path: string) => string;
  /** The one OIDC provider, which may be written as a list of one. */
  readonly listOfOne: string;
  /** tower.yml resolves `${ENV}` placeholders; the module options are taken as given. */
  readonly value?: (value: unknown, path: string, errors: string[]) => unknown;
}

const PLACEHOLDER = /\$\{([^}:]+)(?::([^}]*))?\}/g;
export const ONE_OIDC_PROVIDER = 'only one OIDC provider can be configured at a time';

/** Micronaut relaxed binding: case, dashes and underscores do not distinguish keys. */
export function normalizePath(path: string): string {
  return path.replace(/[-_]/g, '').toLowerCase();
}

/** Nested keys to dotted paths: one walker for tower.yml and the module options. */
export function flatten(root: Record<string, unknown>, rules: FlattenRules): Flat {
  const flat: Flat = { leaves: new Map(), mappings: new Map(), errors: [], warnings: [] };
  const visit = (node: unknown, path: string): void => {
    const [key, where] = [rules.key?.(path) ?? path, `${path}${rules.where}`];
    if (Array.isArray(node) && key === rules.listOfOne && node.every(isMapping)) {
      const count = node.length;
      if (count > 1) flat.errors.push(`${where} lists ${count} providers: ${ONE_OIDC_PROVIDER}`);
      if (count > 0) visit(node[0], path);
    } else if (isMapping(node)) {
      if (path !== '') flat.mappings.set(key, { path, value: node });
      const childPath = (name: string): string => (path === '' ? name : `${path}.${name}`);
      for (const [name, child] of Object.entries(node)) visit(child, childPath(name));
    } else {
      const value = rules.value ? rules.value(node, path, flat.errors) : node;
      // Blank is not given: the next source, then the default, applies.
      if ((typeof value === 'string' ? value.trim() : (value ?? '')) === '') return;
      const previous = flat.leaves.get(key)?.path;
      if (previous) flat.warnings.push(`${previous} and ${where} are the same key; using ${path}`);
      flat.leaves.set(key, { path, value });
    }
  };
  visit(root, '');
  return flat;
}

export function envValue(env: Env, name: string | null): string | null {
  const value = name === null ? undefined : env[name];
  return value === undefined || value.trim() === '' ? null : value;
}

/**
 * tower.yml as TOWER_CONFIG_FILE names it, else as the module's `configFile` option; a named
 * file must exist. The service (no option at all) reads `<cwd>/tower.yml` when present.
 */
export function readConfigFile(env: Env, cwd: string, option?: string | null): ConfigFile {
  const fromEnv = envValue(env, 'TOWER_CONFIG_FILE')?.trim();
  const [named, by] = fromEnv ? [fromEnv, 'TOWER_CONFIG_FILE'] : [option, 'configFile'];
  const source = fromEnv ? 'env' : named ? 'options' : 'default';
  const file = resolve(cwd, named ?? 'tower.yml');
  if ((!named && option !== undefined) || !existsSync(file)) {
    const missing = named ? [`${by} points to ${file}, which does not exist`] : [];
    return { ...emptySource(null, ...missing), source };
  }
  try {
    return { ...parseYaml(file, readFileSync(file, 'utf8'), env), source };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
    return { ...emptySource(file, `${file}: cannot be read (${reason})`), source };
  }
}

export function parseYaml(file: string, text: string, env: Env): YamlSource {
  const name = basename(file);
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return emptySource(file, ...doc.errors.map((e) => yamlError(name, e)));
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return emptySource(file, `${name}: invalid YAML (${describeError(error)})`);
  }
  if (root !== null && root !== undefined && !isMapping(root)) {
    const kind = Array.isArray(root) ? 'a list' : 'a single value';
    return emptySource(file, `${name}: the top level must be a mapping of keys, not ${kind}`);
  }
  const where = ` in ${name}`;
  const value = (node: unknown, path: string, errors: string[]): unknown =>
    interpolate(node, env, (variable) =>
      errors.push(
        `${path}${where} refers to \${${variable}}, but the environment variable ${variable} is not set and no default is given (write \${${variable}:default})`,
      ),
    );
  const rules = { where, key: normalizePath, listOfOne: 'tower.auth.oidc', value };
  return { file, ...flatten(root ?? {}, rules) };
}

function emptySource(file: string | null, ...errors: string[]): YamlSource {
  return { file, leaves: new Map(), mappings: new Map(), errors, warnings: [] };
}

/** `${NAME}` and `${NAME:default}` from the environment, as Micronaut resolves placeholders. */
function interpolate(node: unknown, env: Env, unset: (name: string) => void): unknown {
  if (Array.isArray(node)) return node.map((item) => interpolate(item, env, unset));
  if (typeof node !== 'string') return node;
  return node.replace(PLACEHOLDER, (_match, rawName: string, fallback: string | undefined) => {
    const name = rawName.trim();
    const value = env[name] ?? fallback;
    if (value === undefined) unset(name);
    return value ?? '';
  });
}

function yamlError(name: string, error: YAMLError): string {
  // The yaml package appends a snippet of the offending line, which may hold a secret.
  const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const pos = error.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  return `${name}: invalid YAML${where}: ${reason}`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
