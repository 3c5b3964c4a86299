import { resolve } from 'node:path';
import { z } from 'zod';
import { durationSchema } from '../common/duration.js';

/**
 * The kinds of value a setting holds, as zod schemas over the text an operator writes (a
 * `TOWER_*` variable, a `tower.yml` scalar or list, a module option). Each schema's output is
 * the setting's type in `TowerConfig`; its input type is what the module options accept. The
 * `kind` in its metadata says how `config check` shows it; `message` replaces zod's own.
 */
type ScalarKind = 'string' | 'secret' | 'boolean' | 'port' | 'integer' | 'proxy-hops' | 'duration';
export type KindName = ScalarKind | 'list' | 'enum' | 'url' | 'database-url' | 'path';
export type Kind<Out = unknown, In = unknown> = z.ZodType<Out, In>;
export type Value = string | number | boolean | readonly string[] | null;
/** `problem`, e.g. `"abc" is not a valid port`: the value as messages show it, then why. */
export type ValueRead = {
  readonly value: Value;
  readonly shown: string;
  readonly problem?: string;
};

export const MASK = '****';
const NUMERIC = /^\d+$/;
/** More proxies than this in front of one service is a typo. */
const MAX_PROXY_HOPS = 16;
const truth = { truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], case: 'insensitive' };
const bool = z.stringbool(truth as Parameters<typeof z.stringbool>[0]);
const whole = z.string().regex(NUMERIC).transform(Number);

function kind<Out, In>(name: KindName, schema: z.ZodType, message?: string): Kind<Out, In> {
  return schema.meta({ kind: name, message }) as unknown as Kind<Out, In>;
}
export function kindOf(schema: Kind): KindName {
  return schema.meta()?.kind as KindName;
}
type Fail = (problem: string) => never;
/** A check of its own: `fail` reports the problem. */
function custom<I, T>(base: z.ZodType<I>, check: (input: I, fail: Fail) => T) {
  return base.transform((input, ctx) =>
    check(input, (message) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }),
  );
}

/** Whole seconds as a number, or a duration as `tower.yml` writes it: `30m`, `6h`, `1d`, `PT1H`. */
export type DurationOption = number | string;
/** An array, or a comma-separated string as `TOWER_*` variables hold lists (`a@x.org,b@x.org`). */
export type ListOption = string | readonly string[];
/** `true`/`false`; the strings `true`/`false`, `yes`/`no`, `1`/`0` are accepted too. */
export type FlagOption = boolean | string;
/** A positive whole number; a numeric string (`'587'`) is accepted too. */
export type NumberOption = number | string;

export const text = kind<string, string>('string', z.string());
export const secret = kind<string, string>('secret', z.string());
/** A secret a client presents: long enough not to be guessed. */
export const longSecret = (min: number): Kind<string, string> =>
  kind('secret', z.string().min(min), `must be at least ${min} characters`);
export const path = kind<string, string>('path', z.string());
export const flag = kind<boolean, FlagOption>(
  'boolean',
  bool,
  'is not a boolean (use true/false, yes/no or 1/0)',
);
export const count = kind<number, NumberOption>(
  'integer',
  whole.pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  'is not a positive whole number',
);
export const port = (min = 1): Kind<number, NumberOption> =>
  kind('port', whole.pipe(z.number().min(min).max(65535)), `is not a valid port (${min}-65535)`);
/** `false`, `true` (one) or how many proxies are in front of the service. */
export const proxyHops = kind<number, FlagOption | NumberOption>(
  'proxy-hops',
  z.union([bool.transform(Number), whole.pipe(z.number().max(MAX_PROXY_HOPS))]),
  `is not true, false or a number of proxies (0-${MAX_PROXY_HOPS})`,
);
export const oneOf = <const V extends readonly [string, ...string[]]>(
  values: V,
): Kind<V[number], V[number]> =>
  kind('enum', z.string().toLowerCase().pipe(z.enum(values)), `is not one of ${values.join(', ')}`);
export const databaseUrl = kind<string, string>(
  'database-url',
  z.url({ protocol: /^postgres(ql)?$/ }),
  'is not a postgres:// or postgresql:// URL',
);

/** A number is read as seconds as it is; a string by the duration parser. */
export const duration = (allowZero = false): Kind<number, DurationOption> =>
  kind('duration', durationSchema({ allowZero }));

/** An http(s) URL without credentials; normalised without a trailing slash unless `keepAsIs`. */
export const httpUrl = (keepAsIs = false): Kind<string, string> =>
  kind(
    'url',
    custom(z.string(), (input, fail) => {
      const url = URL.canParse(input) ? new URL(input) : null;
      if (url === null) return fail('is not a valid URL');
      if (!/^https?:$/.test(url.protocol)) return fail('is not an http(s) URL');
      if (url.username || url.password) return fail('must not contain a user name or password');
      if (keepAsIs) return input;
      if (url.search || url.hash) return fail('must not have a query or fragment');
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    }),
  );

type ListStyle = 'allow-list' | 'lower-case' | 'scopes';
const CLEAN_ITEM: Readonly<Record<ListStyle, (item: string) => string>> = {
  'allow-list': (item) => item.normalize('NFKC').toLowerCase(),
  'lower-case': (item) => item.toLowerCase(),
  scopes: (item) => item,
};

/** A YAML list of plain values, or one text split at commas (and spaces for scopes). */
const list = (style: ListStyle): Kind<readonly string[], ListOption> =>
  kind(
    'list',
    custom(z.unknown(), (raw, fail) => {
      const text = Array.isArray(raw) ? '' : scalarText(raw);
      if (text === undefined) return fail('must be a comma-separated list or a YAML list');
      const items = Array.isArray(raw)
        ? raw.map(scalarText)
        : text.split(style === 'scopes' ? /[\s,]+/ : ',').filter((item) => item.trim() !== '');
      if (items.includes(undefined)) return fail('must be a list of plain values');
      const trimmed = items.map((item) => item!.trim());
      const problem = style === 'allow-list' ? allowListProblem(trimmed) : null;
      if (problem !== null) return fail(problem);
      const unique = [...new Set(trimmed.filter((item) => item !== '').map(CLEAN_ITEM[style]))];
      return style === 'scopes' && !unique.includes('openid') ? ['openid', ...unique] : unique;
    }),
  );
export const allowList = list('allow-list');
export const lowerCaseList = list('lower-case');
export const scopes = list('scopes');

/**
 * An allow-list entry must name an address pattern: `*@company.com`, `user+*@x.org`. An empty
 * YAML list entry, or one without `@`, is almost always a typo that would otherwise silently
 * admit nobody (blank segments of a comma list, e.g. a trailing comma, are ignored).
 */
function allowListProblem(items: readonly string[]): string | null {
  if (items.every((item) => item === '')) return null;
  if (items.includes('')) return 'has an empty pattern';
  const bad = items.find((item) => !item.includes('@'));
  return bad === undefined ? null : `has a pattern without "@" (${JSON.stringify(bad)})`;
}

/** A scalar as text (`undefined`: a list or mapping); blank text means "not set". */
function scalarText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return raw === null || raw === undefined ? '' : undefined;
}

/**
 * A setting's value as given (`raw`) read three ways: for `TowerConfig` (null: unset or
 * invalid), for `config check` (secrets as `****`, a URL's password masked) and, when refused,
 * for the message, which names it, quoted, after where it was read (never a secret).
 */
export function readValue(schema: Kind, raw: unknown, cwd: string): ValueRead {
  const name = kindOf(schema);
  const scalar = name === 'list' ? raw : scalarText(raw);
  if (scalar === '' && name !== 'list') return { value: null, shown: '' };
  const input = name === 'duration' && typeof raw === 'number' ? raw : scalar;
  const parsed = scalar === undefined ? null : schema.safeParse(input);
  if (parsed?.success) {
    const value = name === 'path' ? resolve(cwd, parsed.data as string) : (parsed.data as Value);
    return { value, shown: shownValue(name, raw, value) };
  }
  const hidden = name === 'secret' || name === 'database-url';
  const text = typeof raw === 'string' ? (name === 'url' ? maskUrl(raw) : raw) : null;
  const shown = hidden ? MASK : (text ?? JSON.stringify(raw) ?? '');
  const quoted = hidden ? 'the value (not shown)' : text === null ? shown : JSON.stringify(text);
  const problem = parsed
    ? ((schema.meta()?.message as string | undefined) ?? parsed.error.issues[0].message)
    : 'must be a single value, not a list or mapping';
  return { value: null, shown, problem: `${quoted} ${problem}` };
}

function shownValue(name: KindName, raw: unknown, value: Value): string {
  if (name === 'secret') return MASK;
  if (name === 'database-url') return maskUrl(String(value));
  if (name === 'duration') return typeof raw === 'string' ? raw.trim() : String(raw);
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** `text` with a URL's password, and its query parameters that look secret, as `****`. */
function maskUrl(text: string): string {
  if (!URL.canParse(text.trim())) return text;
  const url = new URL(text.trim());
  const original = url.href;
  if (url.password) url.password = MASK;
  for (const name of [...url.searchParams.keys()]) {
    if (/pass|secret|key/i.test(name)) url.searchParams.set(name, MASK);
  }
  return url.href === original ? text : url.href;
}
