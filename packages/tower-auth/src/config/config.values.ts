import { resolve } from 'node:path';
import type { ListStyle, ValueKind } from './config.keys.js';
import { DURATION_FORMS, DurationError, parseDuration, parsePositiveDuration } from './duration.js';

export type Value = string | number | boolean | readonly string[] | null;

/** `problem` reads after the offending value, e.g. `"abc" is not a valid port`. */
export type ParseResult =
  { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly problem: string };

export const MASK = '****';
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);
const NOT_SCALAR = 'must be a single value, not a list or mapping';

const ok = (value: Value): ParseResult => ({ ok: true, value });
const fail = (problem: string): ParseResult => ({ ok: false, problem });

export function isSecretKind(kind: ValueKind): boolean {
  return kind.type === 'secret' || kind.type === 'database-url';
}

export function parseValue(kind: ValueKind, raw: unknown, cwd: string): ParseResult {
  if (kind.type === 'list') return parseList(raw, kind.style);
  const text = scalarText(raw);
  if (text === undefined) return fail(NOT_SCALAR);
  if (text === '') return ok(null);
  switch (kind.type) {
    case 'string':
    case 'secret':
      return ok(text);
    case 'boolean':
      return parseBoolean(text);
    case 'port':
      return parsePort(text, kind.allowZero === true);
    case 'integer':
      return parsePositiveInteger(text);
    case 'proxy-hops':
      return parseProxyHops(text);
    case 'duration':
      return parseDurationValue(typeof raw === 'number' ? raw : text, kind.allowZero === true);
    case 'enum':
      return kind.values.includes(text.toLowerCase())
        ? ok(text.toLowerCase())
        : fail(`is not one of ${kind.values.join(', ')}`);
    case 'url':
      return parseHttpUrl(text, kind.keepAsIs === true);
    case 'database-url':
      return parseDatabaseUrl(text);
    case 'path':
      return ok(resolve(cwd, text));
  }
}

function scalarText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (raw === null || raw === undefined) return '';
  return undefined;
}

function parseBoolean(text: string): ParseResult {
  const lower = text.toLowerCase();
  if (TRUE.has(lower)) return ok(true);
  if (FALSE.has(lower)) return ok(false);
  return fail('is not a boolean (use true/false, yes/no or 1/0)');
}

/** More proxies than this in front of one service is a typo. */
const MAX_PROXY_HOPS = 16;

function parseProxyHops(text: string): ParseResult {
  const lower = text.toLowerCase();
  if (TRUE.has(lower)) return ok(1);
  if (FALSE.has(lower)) return ok(0);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n <= MAX_PROXY_HOPS
    ? ok(n)
    : fail(`is not true, false or a number of proxies (0-${MAX_PROXY_HOPS})`);
}

function parsePort(text: string, allowZero: boolean): ParseResult {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  const min = allowZero ? 0 : 1;
  return port >= min && port <= 65535 ? ok(port) : fail(`is not a valid port (${min}-65535)`);
}

function parsePositiveInteger(text: string): ParseResult {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? ok(n) : fail('is not a positive whole number');
}

function parseDurationValue(raw: string | number, allowZero: boolean): ParseResult {
  try {
    return ok(allowZero ? parseDuration(raw) : parsePositiveDuration(raw));
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    const { reason } = error;
    return fail(reason.includes(DURATION_FORMS) ? reason : `${reason} (${DURATION_FORMS})`);
  }
}

function parseHttpUrl(text: string, keepAsIs: boolean): ParseResult {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('is not an http(s) URL');
  if (url.username || url.password) return fail('must not contain a user name or password');
  if (keepAsIs) return ok(text);
  if (url.search || url.hash) return fail('must not have a query or fragment');
  return ok(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
}

function parseDatabaseUrl(text: string): ParseResult {
  try {
    const url = new URL(text);
    if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') return ok(text);
  } catch {
    // Reported below with the same message as a wrong scheme.
  }
  return fail('is not a postgres:// or postgresql:// URL');
}

function parseList(raw: unknown, style: ListStyle): ParseResult {
  let items: string[];
  const yamlList = Array.isArray(raw);
  if (Array.isArray(raw)) {
    const texts = raw.map(scalarText);
    if (texts.some((t) => t === undefined)) return fail('must be a list of plain values');
    items = texts as string[];
  } else {
    const text = scalarText(raw);
    if (text === undefined) return fail('must be a comma-separated list or a YAML list');
    items = text.split(style === 'scopes' ? /[\s,]+/ : ',');
  }
  if (style === 'allow-list') {
    const problem = allowListProblem(yamlList ? items : items.filter((i) => i.trim() !== ''));
    if (problem) return fail(problem);
  }
  return ok(normaliseList(items, style));
}

/**
 * An allow-list entry must name an address pattern: `*@company.com`, `user+*@x.org`. An empty
 * YAML list entry, or one without `@`, is almost always a typo that would otherwise silently
 * admit nobody (blank segments of a comma list, e.g. a trailing comma, are ignored).
 */
function allowListProblem(items: readonly string[]): string | null {
  const trimmed = items.map((item) => item.trim());
  if (trimmed.every((item) => item === '')) return null;
  if (trimmed.some((item) => item === '')) return 'has an empty pattern';
  const bad = trimmed.find((item) => !item.includes('@'));
  return bad === undefined ? null : `has a pattern without "@" (${JSON.stringify(bad)})`;
}

export function normaliseList(items: readonly string[], style: ListStyle): readonly string[] {
  const cleaned = items.map((item) => {
    const trimmed = item.trim();
    if (style === 'allow-list') return trimmed.normalize('NFKC').toLowerCase();
    return style === 'lower-case' ? trimmed.toLowerCase() : trimmed;
  });
  const unique = [...new Set(cleaned.filter((item) => item !== ''))];
  return style === 'scopes' && !unique.includes('openid') ? ['openid', ...unique] : unique;
}

/** What `config check` shows: secrets as `****`, a database URL without its password. */
export function displayValue(kind: ValueKind, raw: unknown, parsed: ParseResult): string {
  if (parsed.ok && parsed.value === null) return '';
  if (kind.type === 'secret') return MASK;
  if (kind.type === 'database-url') return parsed.ok ? maskDatabaseUrl(String(parsed.value)) : MASK;
  if (!parsed.ok) {
    const shown = hideUrlPassword(kind, raw);
    return typeof shown === 'string' ? shown : (JSON.stringify(shown) ?? '');
  }
  if (kind.type === 'duration') return typeof raw === 'string' ? raw.trim() : String(raw);
  if (Array.isArray(parsed.value)) return parsed.value.join(',');
  return String(parsed.value);
}

/** A refused URL is shown in messages, but never the password written into it. */
export function hideUrlPassword(kind: ValueKind, raw: unknown): unknown {
  if (kind.type !== 'url' || typeof raw !== 'string') return raw;
  try {
    const url = new URL(raw.trim());
    if (url.password === '') return raw;
    url.password = MASK;
    return url.href;
  } catch {
    return raw;
  }
}

export function maskDatabaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return MASK;
  }
  const user = url.username ? `${url.username}${url.password ? `:${MASK}` : ''}@` : '';
  const params = [...url.searchParams].map(
    ([k, v]) => `${k}=${/pass|secret|key/i.test(k) ? MASK : v}`,
  );
  const query = params.length > 0 ? `?${params.join('&')}` : '';
  return `${url.protocol}//${user}${url.host}${url.pathname}${query}`;
}
