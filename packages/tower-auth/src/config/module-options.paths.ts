import { KEY_SPECS, type KeyId } from './config.keys.js';
import type { GivenValue } from './config.resolve.js';
import { isMapping, ONE_OIDC_PROVIDER } from './config.sources.js';

/** Options that say where to read, not what: they hold no setting. */
const SOURCE_OPTIONS = ['env', 'configFile', 'cwd'] as const;

/** The option of each setting; `null`: a setting of the standalone service only. */
export const MODULE_OPTION_PATHS = Object.fromEntries(
  KEY_SPECS.map((spec) => [spec.id, spec.option]),
) as Readonly<Record<KeyId, string | null>>;

const LEAVES = new Map<string, KeyId>();
/** Option objects by path (`''` is the top level) → the names they may hold. */
const CHILDREN = new Map<string, Set<string>>([['', new Set(SOURCE_OPTIONS)]]);
for (const spec of KEY_SPECS) {
  const path = spec.option;
  if (path === null) continue;
  LEAVES.set(path, spec.id);
  const segments = path.split('.');
  segments.forEach((name, i) => {
    const parent = segments.slice(0, i).join('.');
    CHILDREN.set(parent, (CHILDREN.get(parent) ?? new Set()).add(name));
  });
}
const OIDC_OPTION = 'auth.oidc';

export interface ReadOptions {
  readonly given: Map<KeyId, GivenValue>;
  readonly errors: string[];
}

/** The settings given in `options`, by key; unknown names and misshapen objects are errors. */
export function readModuleOptions(options: object): ReadOptions {
  const read: ReadOptions = { given: new Map(), errors: [] };
  walk(options as Record<string, unknown>, '', read);
  return read;
}

function walk(node: Record<string, unknown>, prefix: string, read: ReadOptions): void {
  for (const [name, value] of Object.entries(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const id = LEAVES.get(path);
    if (id !== undefined) {
      if (!isBlank(value)) read.given.set(id, { raw: value, path });
    } else if (CHILDREN.has(path)) {
      walkObject(value, path, read);
    } else if (!(prefix === '' && (SOURCE_OPTIONS as readonly string[]).includes(name))) {
      read.errors.push(unknownOption(path, prefix, name));
    }
  }
}

function walkObject(value: unknown, path: string, read: ReadOptions): void {
  if (value === undefined || value === null) return;
  let node: unknown = value;
  if (path === OIDC_OPTION && Array.isArray(node)) {
    if (node.length > 1) {
      read.errors.push(`${path} lists ${node.length} providers: ${ONE_OIDC_PROVIDER}`);
    }
    node = node[0];
    if (node === undefined) return;
  }
  if (!isMapping(node)) {
    read.errors.push(`${path} must be an object of options, not ${describe(node)}`);
    return;
  }
  walk(node, path, read);
}

/** Names only: the value of a mistyped option may be a secret. */
function unknownOption(path: string, prefix: string, name: string): string {
  const siblings = [...(CHILDREN.get(prefix) ?? [])];
  const guess = closest(name, siblings);
  if (guess !== null) {
    return `Unknown option ${path} (did you mean ${prefix === '' ? guess : `${prefix}.${guess}`}?)`;
  }
  const where = prefix === '' ? 'the module options are' : `the options of ${prefix} are`;
  return `Unknown option ${path}: ${where} ${siblings.join(', ')}`;
}

/** Same name but for case, dashes or underscores, else a couple of typing slips away. */
function closest(name: string, candidates: readonly string[]): string | null {
  const loose = (s: string): string => s.replace(/[-_]/g, '').toLowerCase();
  const same = candidates.find((c) => loose(c) === loose(name));
  if (same !== undefined) return same;
  const allowed = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  let best: { name: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(loose(name), loose(candidate));
    if (distance <= allowed && (best === null || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name ?? null;
}

/** Optimal string alignment distance: a swap of two neighbours (`Secert`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Not given: the next source, then the default, applies. */
function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
  );
}
