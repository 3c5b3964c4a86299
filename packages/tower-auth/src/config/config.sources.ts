import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseDocument } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

/** One scalar or list found in tower.yml, after `${ENV}` interpolation. */
export interface YamlLeaf {
  /** Dotted path as the operator wrote it, e.g. `tower.auth.github.allow-list`. */
  readonly path: string;
  readonly value: unknown;
}

export interface YamlSource {
  readonly file: string | null;
  /** Keyed by `normalizePath`, so that `serverUrl`, `server-url` and `server_url` meet. */
  readonly leaves: ReadonlyMap<string, YamlLeaf>;
  /** Mappings by normalised path, to tell "a mapping where a value belongs" from "absent". */
  readonly mappings: ReadonlyMap<string, YamlLeaf>;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

const EMPTY: YamlSource = {
  file: null,
  leaves: new Map(),
  mappings: new Map(),
  errors: [],
  warnings: [],
};
const PLACEHOLDER = /\$\{([^}:]+)(?::([^}]*))?\}/g;
/** `tower.auth.oidc` may be written as a list; more than one entry is a second provider. */
const OIDC_PATH = 'tower.auth.oidc';
export const ONE_OIDC_PROVIDER = 'only one OIDC provider can be configured at a time';

/** Micronaut relaxed binding: case, dashes and underscores do not distinguish keys. */
export function normalizePath(path: string): string {
  return path
    .split('.')
    .map((segment) => segment.replace(/[-_]/g, '').toLowerCase())
    .join('.');
}

export function envValue(env: Env, name: string | null): string | null {
  if (name === null) return null;
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value;
}

/** Where tower.yml is: TOWER_CONFIG_FILE (must exist) or `<cwd>/tower.yml` when present. */
export function locateConfigFile(env: Env, cwd: string): { file: string | null; error?: string } {
  const configured = envValue(env, 'TOWER_CONFIG_FILE');
  if (configured !== null) {
    const file = resolve(cwd, configured.trim());
    if (!existsSync(file)) {
      return { file: null, error: `TOWER_CONFIG_FILE points to ${file}, which does not exist` };
    }
    return { file };
  }
  const file = resolve(cwd, 'tower.yml');
  return { file: existsSync(file) ? file : null };
}

export function readYamlSource(file: string | null, env: Env): YamlSource {
  if (file === null) return EMPTY;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ...EMPTY, file, errors: [`${file}: cannot be read (${errorCode(error)})`] };
  }
  return parseYaml(file, text, env);
}

export function parseYaml(file: string, text: string, env: Env): YamlSource {
  const name = basename(file);
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return { ...EMPTY, file, errors: doc.errors.map((e) => yamlErrorMessage(name, e)) };
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ...EMPTY, file, errors: [`${name}: invalid YAML (${errorText(error)})`] };
  }
  if (root === null || root === undefined) return { ...EMPTY, file };
  if (!isMapping(root)) {
    const kind = Array.isArray(root) ? 'a list' : 'a single value';
    return {
      ...EMPTY,
      file,
      errors: [`${name}: the top level must be a mapping of keys, not ${kind}`],
    };
  }
  const state: FlattenState = {
    name,
    env,
    leaves: new Map(),
    mappings: new Map(),
    errors: [],
    warnings: [],
  };
  flatten(root, [], state);
  const { leaves, mappings, errors, warnings } = state;
  return { file, leaves, mappings, errors, warnings };
}

interface FlattenState {
  readonly name: string;
  readonly env: Env;
  readonly leaves: Map<string, YamlLeaf>;
  readonly mappings: Map<string, YamlLeaf>;
  readonly errors: string[];
  readonly warnings: string[];
}

function flatten(node: unknown, prefix: readonly string[], state: FlattenState): void {
  if (isMapping(node)) {
    const path = prefix.join('.');
    if (path !== '') state.mappings.set(normalizePath(path), { path, value: node });
    for (const [key, child] of Object.entries(node))
      flatten(child, [...prefix, ...key.split('.')], state);
    return;
  }
  const path = prefix.join('.');
  if (Array.isArray(node) && normalizePath(path) === OIDC_PATH && node.every(isMapping)) {
    if (node.length > 1) {
      state.errors.push(
        `${path} in ${state.name} lists ${node.length} providers: ${ONE_OIDC_PROVIDER}`,
      );
    }
    if (node.length > 0) flatten(node[0], prefix, state);
    return;
  }
  addLeaf(path, interpolateNode(node, path, state), state);
}

function addLeaf(path: string, value: unknown, state: FlattenState): void {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    return;
  }
  const key = normalizePath(path);
  const previous = state.leaves.get(key);
  if (previous) {
    state.warnings.push(
      `${previous.path} and ${path} in ${state.name} are the same key; using ${path}`,
    );
  }
  state.leaves.set(key, { path, value });
}

function interpolateNode(node: unknown, path: string, state: FlattenState): unknown {
  if (typeof node === 'string') return interpolate(node, path, state);
  if (Array.isArray(node)) return node.map((item) => interpolateNode(item, path, state));
  return node;
}

/** `${NAME}` and `${NAME:default}` from the environment, as Micronaut resolves placeholders. */
function interpolate(text: string, path: string, state: FlattenState): string {
  return text.replace(PLACEHOLDER, (_match, rawName: string, fallback: string | undefined) => {
    const name = rawName.trim();
    const value = state.env[name];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    state.errors.push(
      `${path} in ${state.name} refers to \${${name}}, but the environment variable ${name} is not set and no default is given (write \${${name}:default})`,
    );
    return '';
  });
}

function yamlErrorMessage(name: string, error: { message: string; linePos?: unknown }): string {
  // The yaml package appends a snippet of the offending line, which may hold a secret.
  const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const pos = Array.isArray(error.linePos)
    ? (error.linePos[0] as { line: number; col: number })
    : null;
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  return `${name}: invalid YAML${where}: ${reason}`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string {
  return isMapping(error) && typeof error.code === 'string' ? error.code : errorText(error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
