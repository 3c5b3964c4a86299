/**
 * Every setting the service reads: canonical key, environment variable, tower.yml paths
 * (canonical first, then aliases and pre-Micronaut-4 legacy keys) and the default, written the
 * way an operator would write it so that it goes through the same parser as their value.
 */
export type ListStyle = 'allow-list' | 'lower-case' | 'scopes';

export type ValueKind =
  | { readonly type: 'string' }
  | { readonly type: 'secret' }
  | { readonly type: 'boolean' }
  | { readonly type: 'port'; readonly allowZero?: boolean }
  | { readonly type: 'integer' }
  /** `false`, `true` (one) or how many proxies are in front of the service. */
  | { readonly type: 'proxy-hops' }
  | { readonly type: 'duration'; readonly allowZero?: boolean }
  | { readonly type: 'list'; readonly style: ListStyle }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'url'; readonly keepAsIs?: boolean }
  | { readonly type: 'database-url' }
  | { readonly type: 'path' };

/** Default of the embedded-database folder: `postgres` inside the data folder. */
export const IN_DATA_DIR: unique symbol = Symbol('in data dir');

export type RawValue = string | number | boolean | readonly unknown[] | null;

export interface KeySpec {
  readonly id: string;
  readonly key: string;
  readonly env: string | null;
  readonly yaml: readonly string[];
  readonly kind: ValueKind;
  /** Raw default; `null` means unset. */
  readonly default: RawValue | typeof IN_DATA_DIR;
}

const str = { type: 'string' } as const;
const secret = { type: 'secret' } as const;
const bool = { type: 'boolean' } as const;
const duration = { type: 'duration' } as const;
const allowList = { type: 'list', style: 'allow-list' } as const;

function spec<I extends string>(
  id: I,
  env: string | null,
  yaml: string | readonly string[] | null,
  kind: ValueKind,
  defaultValue: RawValue | typeof IN_DATA_DIR,
  key?: string,
): KeySpec & { readonly id: I } {
  const paths = yaml === null ? [] : typeof yaml === 'string' ? [yaml] : yaml;
  return { id, key: key ?? paths[0] ?? env ?? id, env, yaml: paths, kind, default: defaultValue };
}

const LEGACY_JWT = 'micronaut.security.token.jwt.generator';

export const KEY_SPECS = [
  spec(
    'serverUrl',
    'TOWER_SERVER_URL',
    'tower.serverUrl',
    { type: 'url' },
    'http://localhost:8000',
  ),
  spec('unsafeMode', 'TOWER_ENABLE_UNSAFE_MODE', 'tower.enable-unsafe-mode', bool, false),
  spec('appName', 'TOWER_APP_NAME', 'tower.appName', str, 'Seqera'),
  spec('contactEmail', 'TOWER_CONTACT_EMAIL', ['tower.contactEmail', 'mail.from'], str, null),
  spec(
    'jwtSecret',
    'TOWER_JWT_SECRET',
    'micronaut.security.token.jwt.signatures.secret.generator.secret',
    secret,
    null,
  ),
  spec(
    'rootUsers',
    'TOWER_ROOT_USERS',
    'tower.admin.root-users',
    { type: 'list', style: 'lower-case' },
    '',
  ),
  spec('trustProxy', 'TOWER_TRUST_PROXY', 'tower.trust-proxy', { type: 'proxy-hops' }, false),
  spec('dataDir', 'TOWER_DATA_DIR', 'tower.data-dir', { type: 'path' }, '.data'),
  spec('httpPort', 'PORT', null, { type: 'port', allowZero: true }, 8000, 'http.port'),
  spec('httpHost', 'HOST', null, str, '0.0.0.0', 'http.host'),
  spec(
    'httpPlatform',
    'HTTP_PLATFORM',
    null,
    { type: 'enum', values: ['fastify', 'express'] },
    'fastify',
    'http.platform',
  ),
  spec('dbUrl', 'DATABASE_URL', 'tower.db.url', { type: 'database-url' }, null),
  // Postgres itself when DATABASE_URL is a transaction-mode pooler: LISTEN and session locks.
  spec('dbDirectUrl', 'DATABASE_DIRECT_URL', 'tower.db.direct-url', { type: 'database-url' }, null),
  spec('dbMigrationsRun', 'DB_MIGRATIONS_RUN', 'tower.db.migrations-run', bool, true),
  spec(
    'dbEmbeddedDir',
    'TOWER_DB_EMBEDDED_DIR',
    'tower.db.embedded-dir',
    { type: 'path' },
    IN_DATA_DIR,
  ),
  spec('smtpHost', 'TOWER_SMTP_HOST', 'mail.smtp.host', str, null),
  spec('smtpPort', 'TOWER_SMTP_PORT', 'mail.smtp.port', { type: 'port' }, 587),
  spec('smtpUser', 'TOWER_SMTP_USER', 'mail.smtp.user', str, null),
  spec('smtpPassword', 'TOWER_SMTP_PASSWORD', 'mail.smtp.password', secret, null),
  spec('smtpAuth', 'TOWER_SMTP_AUTH', 'mail.smtp.auth', bool, true),
  // Upgrade when the server offers it; only an explicit false sends in clear (with a warning).
  spec(
    'smtpStarttlsEnabled',
    'TOWER_SMTP_STARTTLS_ENABLED',
    'mail.smtp.starttls.enable',
    bool,
    true,
  ),
  spec(
    'smtpStarttlsRequired',
    'TOWER_SMTP_STARTTLS_REQUIRED',
    'mail.smtp.starttls.required',
    bool,
    false,
  ),
  spec('smtpSslEnabled', 'TOWER_SMTP_SSL_ENABLED', 'mail.smtp.ssl.enable', bool, false),
  spec('smtpCaFile', 'TOWER_SMTP_CA_FILE', 'mail.smtp.ssl.ca-file', { type: 'path' }, null),
  spec('disableEmail', 'TOWER_AUTH_DISABLE_EMAIL', 'tower.auth.disable-email', bool, false),
  spec('mailDuration', null, 'auth.mail.duration', duration, '30m'),
  spec(
    'accessTokenExpiration',
    null,
    [
      'micronaut.security.token.generator.access-token.expiration',
      `${LEGACY_JWT}.access-token.expiration`,
    ],
    duration,
    3600,
  ),
  spec(
    'refreshTokenExpiration',
    null,
    [
      'micronaut.security.token.jwt.signatures.refresh-token.expiration',
      `${LEGACY_JWT}.refresh-token.expiration`,
    ],
    duration,
    '6h',
  ),
  spec(
    'refreshCookieMaxAge',
    null,
    'micronaut.security.token.refresh.cookie.cookie-max-age',
    duration,
    '12h',
  ),
  spec('sessionMaxLifetime', null, 'tower.auth.session.max-lifetime', duration, '7d'),
  spec(
    'refreshGrace',
    null,
    'tower.auth.session.refresh-grace',
    { type: 'duration', allowZero: true },
    '30s',
  ),
  spec('heartbeatInterval', null, 'tower.auth.heartbeat-interval', duration, '5m'),
  spec('purgeInterval', null, 'tower.auth.purge.interval', duration, '10m'),
  spec('auditRetention', null, 'tower.auth.audit.retention', duration, '90d'),
  spec('sessionRetention', null, 'tower.auth.session.retention', duration, '7d'),
  spec('purgeBatchSize', null, 'tower.auth.purge.batch-size', { type: 'integer' }, 5000),
  spec('outboxRetention', null, 'tower.auth.outbox.retention', duration, '7d'),
  spec('outboxMaxAttempts', null, 'tower.auth.outbox.max-attempts', { type: 'integer' }, 8),
  spec('outboxRetryDelay', null, 'tower.auth.outbox.retry-delay', duration, '30s'),
  spec('outboxPollInterval', null, 'tower.auth.outbox.poll-interval', duration, '10s'),
  spec(
    'rateLimitEmailMax',
    'TOWER_AUTH_RATE_LIMIT_EMAIL_MAX',
    'tower.auth.rate-limit.email.max',
    { type: 'integer' },
    5,
  ),
  spec(
    'rateLimitEmailWindow',
    'TOWER_AUTH_RATE_LIMIT_EMAIL_WINDOW',
    'tower.auth.rate-limit.email.window',
    duration,
    '15m',
  ),
  spec(
    'rateLimitClientMax',
    'TOWER_AUTH_RATE_LIMIT_CLIENT_MAX',
    'tower.auth.rate-limit.client.max',
    { type: 'integer' },
    30,
  ),
  spec(
    'rateLimitClientWindow',
    'TOWER_AUTH_RATE_LIMIT_CLIENT_WINDOW',
    'tower.auth.rate-limit.client.window',
    duration,
    '15m',
  ),
  spec('ephemeralDuration', null, 'tower.ephemeral.duration', duration, '6h'),
  spec('ephemeralMaxBytes', null, 'tower.ephemeral.max-bytes', { type: 'integer' }, 1048576),
  spec(
    'emailAllowList',
    'TOWER_AUTH_EMAIL_ALLOW_LIST',
    'tower.auth.email.allow-list',
    allowList,
    '',
  ),
  spec('githubClient', 'TOWER_GITHUB_CLIENT', 'tower.auth.github.client', str, null),
  spec('githubSecret', 'TOWER_GITHUB_SECRET', 'tower.auth.github.secret', secret, null),
  spec(
    'githubServerUrl',
    'TOWER_GITHUB_SERVER_URL',
    'tower.auth.github.server-url',
    { type: 'url' },
    'https://github.com',
  ),
  spec(
    'githubAllowList',
    'TOWER_AUTH_GITHUB_ALLOW_LIST',
    'tower.auth.github.allow-list',
    allowList,
    '',
  ),
  spec('googleClient', 'TOWER_GOOGLE_CLIENT', 'tower.auth.google.client', str, null),
  spec('googleSecret', 'TOWER_GOOGLE_SECRET', 'tower.auth.google.secret', secret, null),
  spec(
    'googleHostedDomain',
    'TOWER_GOOGLE_HOSTED_DOMAIN',
    'tower.auth.google.hosted-domain',
    str,
    null,
  ),
  spec(
    'googleAllowList',
    'TOWER_AUTH_GOOGLE_ALLOW_LIST',
    'tower.auth.google.allow-list',
    allowList,
    '',
  ),
  spec('oidcClient', 'TOWER_OIDC_CLIENT', 'tower.auth.oidc.client', str, null),
  spec('oidcSecret', 'TOWER_OIDC_SECRET', 'tower.auth.oidc.secret', secret, null),
  spec(
    'oidcIssuer',
    'TOWER_OIDC_ISSUER',
    'tower.auth.oidc.issuer',
    { type: 'url', keepAsIs: true },
    null,
  ),
  spec(
    'oidcScopes',
    'TOWER_OIDC_SCOPES',
    'tower.auth.oidc.scopes',
    { type: 'list', style: 'scopes' },
    'openid,email,profile',
  ),
  spec(
    'oidcTokenAuthMethod',
    'TOWER_OIDC_TOKEN_AUTH_METHOD',
    'tower.auth.oidc.token-auth-method',
    { type: 'enum', values: ['client_secret_basic', 'client_secret_post'] },
    'client_secret_basic',
  ),
  spec(
    'oidcLabel',
    'TOWER_OIDC_LABEL',
    'tower.auth.oidc.label',
    str,
    'Sign in with OpenID Connect',
  ),
  spec(
    'oidcRequireVerifiedEmail',
    'TOWER_OIDC_REQUIRE_VERIFIED_EMAIL',
    'tower.auth.oidc.require-verified-email',
    bool,
    false,
  ),
  spec(
    'oidcTrustUnverifiedEmail',
    'TOWER_OIDC_TRUST_UNVERIFIED_EMAIL',
    'tower.auth.oidc.trust-unverified-email',
    bool,
    false,
  ),
  spec('oidcDiscoveryTtl', null, 'tower.auth.oidc.discovery-ttl', duration, '1h'),
  spec('oidcAllowList', 'TOWER_AUTH_OIDC_ALLOW_LIST', 'tower.auth.oidc.allow-list', allowList, ''),
] as const satisfies readonly KeySpec[];

export type KeyId = (typeof KEY_SPECS)[number]['id'];
