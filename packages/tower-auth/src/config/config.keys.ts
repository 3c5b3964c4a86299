import { closestMatch } from 'leven';
import { normalizePath } from './config.sources.js';
import * as k from './config.values.js';

/** No default: the validation asks for it (typed as always set). */
export const REQUIRED: unique symbol = Symbol('required');
/** A default that follows from the settings before it, e.g. a folder inside another. */
type Derived = (values: Readonly<Record<string, unknown>>) => string;
type Default = string | number | boolean | null | typeof REQUIRED | Derived;

type Camel<S extends string> = S extends `${infer A}-${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : S;
type Unprefixed<Y> = Y extends `tower.${infer R}` ? R : Y extends `mail.${infer R}` ? R : Y;
type First<Y> = Y extends string ? Y : Y extends readonly [infer F, ...unknown[]] ? F : never;
/** The module option named after a tower.yml key, e.g. `tower.auth.github.allow-list`. */
type OptionOf<Y, O> = [O] extends [never] ? Camel<Unprefixed<First<Y>> & string> : O;

export interface Setting<S extends k.Kind = k.Kind, D = Default, O = string> {
  readonly schema: S;
  /** Written as an operator would write it; `null` means unset. */
  readonly default: D;
  readonly env: string | null;
  readonly yaml: readonly string[];
  readonly option: O;
}

/** A setting: `loadTowerConfig` takes settings of one's own (its `settings`) written this way. */
export function set<
  S extends k.Kind,
  const D extends Default,
  const Y extends string | readonly string[],
  const O extends string = never,
>(
  schema: S,
  defaultValue: D,
  env: string | null,
  yaml: Y,
  option?: O,
): Setting<S, D, OptionOf<Y, O>> {
  const paths: readonly string[] = typeof yaml === 'string' ? [yaml] : yaml;
  const camel = (path = ''): string => path.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const named = option === undefined ? camel(paths[0]?.replace(/^(tower|mail)\./, '')) : option;
  return { schema, default: defaultValue, env, yaml: paths, option: named as never };
}

const JWT_SECRET = 'micronaut.security.token.jwt.signatures.secret.generator.secret';
const LEGACY_JWT = 'micronaut.security.token.jwt.generator';
const REFRESH_COOKIE = 'micronaut.security.token.refresh.cookie.cookie-max-age';

/**
 * Every setting, once: its place in `TowerConfig` (the key), the zod schema of its value, the
 * default (written the way an operator would write it, so that it goes through the same
 * parser), the environment variable and the tower.yml paths (canonical first, then aliases and
 * pre-Micronaut-4 legacy keys). The module option is the canonical path in camelCase without
 * `tower.` or `mail.` (`tower.auth.github.allow-list` is `auth.github.allowList`) unless given.
 * `TowerConfig`, the module options, `config check` and the validation all follow from here.
 */
// prettier-ignore
export const SETTINGS = {
  serverUrl: set(k.httpUrl(), 'http://localhost:8000', 'TOWER_SERVER_URL', 'tower.serverUrl'),
  unsafeMode: set(k.flag, false, 'TOWER_ENABLE_UNSAFE_MODE', 'tower.enable-unsafe-mode'),
  appName: set(k.text, 'Seqera', 'TOWER_APP_NAME', 'tower.appName'),
  contactEmail: set(k.text, null, 'TOWER_CONTACT_EMAIL', ['tower.contactEmail', 'mail.from']),
  jwtSecret: set(k.secret, REQUIRED, 'TOWER_JWT_SECRET', JWT_SECRET, 'jwtSecret'),
  rootUsers: set(k.lowerCaseList, '', 'TOWER_ROOT_USERS', 'tower.admin.root-users', 'rootUsers'),
  trustProxy: set(k.proxyHops, false, 'TOWER_TRUST_PROXY', 'tower.trust-proxy'),
  // Postgres itself when DATABASE_URL is a transaction-mode pooler: LISTEN and session locks.
  'database.directUrl': set(k.databaseUrl, null, 'DATABASE_DIRECT_URL', 'tower.db.direct-url',
    'database.directUrl'),
  'smtp.host': set(k.text, null, 'TOWER_SMTP_HOST', 'mail.smtp.host'),
  'smtp.port': set(k.port(), 587, 'TOWER_SMTP_PORT', 'mail.smtp.port'),
  'smtp.user': set(k.text, null, 'TOWER_SMTP_USER', 'mail.smtp.user'),
  'smtp.password': set(k.secret, null, 'TOWER_SMTP_PASSWORD', 'mail.smtp.password'),
  'smtp.auth': set(k.flag, true, 'TOWER_SMTP_AUTH', 'mail.smtp.auth'),
  // Upgrade when the server offers it; only an explicit false sends in clear (with a warning).
  'smtp.starttlsEnabled': set(k.flag, true, 'TOWER_SMTP_STARTTLS_ENABLED',
    'mail.smtp.starttls.enable'),
  'smtp.starttlsRequired': set(k.flag, false, 'TOWER_SMTP_STARTTLS_REQUIRED',
    'mail.smtp.starttls.required'),
  'smtp.sslEnabled': set(k.flag, false, 'TOWER_SMTP_SSL_ENABLED', 'mail.smtp.ssl.enable'),
  'smtp.caFile': set(k.path, null, 'TOWER_SMTP_CA_FILE', 'mail.smtp.ssl.ca-file', 'smtp.caFile'),
  'auth.disableEmail': set(k.flag, false, 'TOWER_AUTH_DISABLE_EMAIL', 'tower.auth.disable-email'),
  'auth.mailDuration': set(k.duration(), '30m', null, 'auth.mail.duration'),
  'auth.accessTokenExpiration': set(k.duration(), 3600, null, [
    'micronaut.security.token.generator.access-token.expiration',
    `${LEGACY_JWT}.access-token.expiration`,
  ], 'tokens.accessTokenExpiration'),
  'auth.refreshTokenExpiration': set(k.duration(), '6h', null, [
    'micronaut.security.token.jwt.signatures.refresh-token.expiration',
    `${LEGACY_JWT}.refresh-token.expiration`,
  ], 'tokens.refreshTokenExpiration'),
  'auth.refreshCookieMaxAge': set(k.duration(), '12h', null, REFRESH_COOKIE,
    'tokens.refreshCookieMaxAge'),
  'auth.sessionMaxLifetime': set(k.duration(), '7d', null, 'tower.auth.session.max-lifetime'),
  'auth.refreshGrace': set(k.duration(true), '30s', null, 'tower.auth.session.refresh-grace'),
  'auth.heartbeatInterval': set(k.duration(), '5m', null, 'tower.auth.heartbeat-interval'),
  'auth.purgeInterval': set(k.duration(), '10m', null, 'tower.auth.purge.interval'),
  'auth.auditRetention': set(k.duration(), '90d', null, 'tower.auth.audit.retention'),
  'auth.sessionRetention': set(k.duration(), '7d', null, 'tower.auth.session.retention'),
  'auth.purgeBatchSize': set(k.count, 5000, null, 'tower.auth.purge.batch-size'),
  'auth.outbox.retention': set(k.duration(), '7d', null, 'tower.auth.outbox.retention'),
  'auth.outbox.maxAttempts': set(k.count, 8, null, 'tower.auth.outbox.max-attempts'),
  'auth.outbox.retryDelay': set(k.duration(), '30s', null, 'tower.auth.outbox.retry-delay'),
  'auth.outbox.pollInterval': set(k.duration(), '10s', null, 'tower.auth.outbox.poll-interval'),
  'auth.rateLimit.email.max': set(k.count, 5, 'TOWER_AUTH_RATE_LIMIT_EMAIL_MAX',
    'tower.auth.rate-limit.email.max'),
  'auth.rateLimit.email.window': set(k.duration(), '15m', 'TOWER_AUTH_RATE_LIMIT_EMAIL_WINDOW',
    'tower.auth.rate-limit.email.window'),
  'auth.rateLimit.client.max': set(k.count, 30, 'TOWER_AUTH_RATE_LIMIT_CLIENT_MAX',
    'tower.auth.rate-limit.client.max'),
  'auth.rateLimit.client.window': set(k.duration(), '15m', 'TOWER_AUTH_RATE_LIMIT_CLIENT_WINDOW',
    'tower.auth.rate-limit.client.window'),
  'ephemeral.duration': set(k.duration(), '6h', null, 'tower.ephemeral.duration'),
  'ephemeral.maxBytes': set(k.count, 1048576, null, 'tower.ephemeral.max-bytes'),
  'auth.emailAllowList': set(k.allowList, '', 'TOWER_AUTH_EMAIL_ALLOW_LIST',
    'tower.auth.email.allow-list'),
  'auth.github.clientId': set(k.text, null, 'TOWER_GITHUB_CLIENT', 'tower.auth.github.client'),
  'auth.github.clientSecret': set(k.secret, null, 'TOWER_GITHUB_SECRET',
    'tower.auth.github.secret'),
  'auth.github.serverUrl': set(k.httpUrl(), 'https://github.com', 'TOWER_GITHUB_SERVER_URL',
    'tower.auth.github.server-url'),
  'auth.github.allowList': set(k.allowList, '', 'TOWER_AUTH_GITHUB_ALLOW_LIST',
    'tower.auth.github.allow-list'),
  'auth.google.clientId': set(k.text, null, 'TOWER_GOOGLE_CLIENT', 'tower.auth.google.client'),
  'auth.google.clientSecret': set(k.secret, null, 'TOWER_GOOGLE_SECRET',
    'tower.auth.google.secret'),
  'auth.google.hostedDomain': set(k.text, null, 'TOWER_GOOGLE_HOSTED_DOMAIN',
    'tower.auth.google.hosted-domain'),
  'auth.google.allowList': set(k.allowList, '', 'TOWER_AUTH_GOOGLE_ALLOW_LIST',
    'tower.auth.google.allow-list'),
  'auth.oidc.clientId': set(k.text, null, 'TOWER_OIDC_CLIENT', 'tower.auth.oidc.client'),
  'auth.oidc.clientSecret': set(k.secret, null, 'TOWER_OIDC_SECRET', 'tower.auth.oidc.secret'),
  // Exactly as configured: discovery must return this issuer byte for byte.
  'auth.oidc.issuer': set(k.httpUrl(true), null, 'TOWER_OIDC_ISSUER', 'tower.auth.oidc.issuer'),
  'auth.oidc.scopes': set(k.scopes, 'openid,email,profile', 'TOWER_OIDC_SCOPES',
    'tower.auth.oidc.scopes'),
  'auth.oidc.tokenAuthMethod': set(k.oneOf(['client_secret_basic', 'client_secret_post']),
    'client_secret_basic', 'TOWER_OIDC_TOKEN_AUTH_METHOD', 'tower.auth.oidc.token-auth-method'),
  'auth.oidc.label': set(k.text, 'Sign in with OpenID Connect', 'TOWER_OIDC_LABEL',
    'tower.auth.oidc.label'),
  'auth.oidc.requireVerifiedEmail': set(k.flag, false, 'TOWER_OIDC_REQUIRE_VERIFIED_EMAIL',
    'tower.auth.oidc.require-verified-email'),
  'auth.oidc.trustUnverifiedEmail': set(k.flag, false, 'TOWER_OIDC_TRUST_UNVERIFIED_EMAIL',
    'tower.auth.oidc.trust-unverified-email'),
  'auth.oidc.discoveryTtl': set(k.duration(), '1h', null, 'tower.auth.oidc.discovery-ttl'),
  'auth.oidc.allowList': set(k.allowList, '', 'TOWER_AUTH_OIDC_ALLOW_LIST',
    'tower.auth.oidc.allow-list'),
} as const;

export type Settings = typeof SETTINGS;
export type KeyId = keyof Settings;

export interface KeySpec extends Setting {
  /** Its path in `TowerConfig`, e.g. `auth.github.clientId`. */
  readonly id: KeyId;
  /** Canonical key, e.g. `tower.auth.oidc.issuer`: the first tower.yml path. */
  readonly key: string;
}

export type SettingTable = Readonly<Record<string, Setting>>;

/** Settings in order, as `config check` lists them. */
export function specsOf(table: SettingTable): KeySpec[] {
  return Object.entries(table).map(([id, it]) => ({
    ...it,
    id: id as KeyId,
    key: it.yaml[0] ?? id,
  }));
}
export const KEY_SPECS = specsOf(SETTINGS);

/**
 * Where `path` leaves the `known` dotted keys (null: it is one, or inside one): its first unknown
 * name, the names allowed there and the likely one; a `section` stops where a mapping belongs.
 * `same` compares names (tower.yml binds them relaxed, the module options exactly).
 */
export function unknownName(path: string, known: readonly string[], same = (name: string) => name) {
  const segments = path.split('.');
  let keys = known.map((key) => key.split('.'));
  for (const [i, segment] of [...segments, ''].entries()) {
    if (keys.some((key) => key.length === i)) return null;
    const parent = segments.slice(0, i).join('.');
    const siblings = [...new Set(keys.map((key) => key[i]))];
    if (i === segments.length) return { name: path, parent, siblings, section: true };
    keys = keys.filter((key) => same(key[i]) === same(segment));
    if (keys.length > 0) continue;
    // Same but for case, dashes or underscores, or a couple of slips (`mial`: two edits).
    const distance = { maxDistance: segment.length > 2 ? 2 : 1 };
    const match = closestMatch(normalizePath(segment), siblings.map(normalizePath), distance);
    const guess = siblings.find((name) => normalizePath(name) === match);
    const under = (name: string): string => (parent === '' ? name : `${parent}.${name}`);
    return { name: under(segment), parent, siblings, guess: guess && under(guess) };
  }
  return null;
}
