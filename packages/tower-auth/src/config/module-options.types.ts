/**
 * The configuration a host application gives `AuthModule`, named after `tower.yml` in camelCase
 * (`tower.auth.github.allow-list` is `auth.github.allowList`). Every field is optional: what is
 * not given takes the `tower.yml` default. docs/configuration.md maps each option to its
 * `tower.yml` key and `TOWER_*` variable.
 */

/** Whole seconds as a number, or a duration as `tower.yml` writes it: `30m`, `6h`, `1d`, `PT1H`. */
export type DurationOption = number | string;
/** An array, or a comma-separated string as `TOWER_*` variables hold lists (`a@x.org,b@x.org`). */
export type ListOption = string | readonly string[];
/** `true`/`false`; the strings `true`/`false`, `yes`/`no`, `1`/`0` are accepted too. */
export type FlagOption = boolean | string;
/** A positive whole number; a numeric string (`'587'`) is accepted too. */
export type NumberOption = number | string;

export interface OAuthClientConfigOptions {
  /** OAuth client id. The provider is offered when the client id and the secret are both set. */
  readonly client?: string;
  /** OAuth client secret. Never shown in errors or logs. */
  readonly secret?: string;
  /** E-mail patterns admitted by this login method (`*@company.com`); empty admits everybody. */
  readonly allowList?: ListOption;
}

export interface GithubConfigOptions extends OAuthClientConfigOptions {
  /** GitHub Enterprise Server base URL; default `https://github.com`. */
  readonly serverUrl?: string;
}

export interface GoogleConfigOptions extends OAuthClientConfigOptions {
  /** Google Workspace domain: sent as `hd` and required in the id_token's `hd` claim. */
  readonly hostedDomain?: string;
}

export interface OidcConfigOptions extends OAuthClientConfigOptions {
  /** Issuer URL, used exactly as written: discovery must return this string. */
  readonly issuer?: string;
  /** Requested scopes (comma or space separated, or an array); `openid` is always added. */
  readonly scopes?: ListOption;
  /** How the client authenticates at the token endpoint; default `client_secret_basic`. */
  readonly tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Text of the login button; default `Sign in with OpenID Connect`. */
  readonly label?: string;
  /**
   * Refuse logins whose e-mail the provider does not mark `email_verified`, instead of giving
   * them a user of their own; default false.
   */
  readonly requireVerifiedEmail?: FlagOption;
  /**
   * Treat an e-mail that comes without `email_verified` (Entra ID never sends it) as verified:
   * it links accounts, meets the allow list and may be root by e-mail. Only for a provider
   * whose users cannot set an address they do not own; default false.
   */
  readonly trustUnverifiedEmail?: FlagOption;
  /** How long the discovery document and JWKS are reused; default `1h`. */
  readonly discoveryTtl?: DurationOption;
}

/** At most `max` magic-link requests per `window`. */
export interface RateLimitConfigOptions {
  /** Requests allowed per window. */
  readonly max?: NumberOption;
  /** Length of the window; default `15m`. */
  readonly window?: DurationOption;
}

export interface AuthConfigOptions {
  /** Turn e-mail login off; effective only when GitHub, Google or OIDC is configured. */
  readonly disableEmail?: FlagOption;
  readonly mail?: {
    /** Lifetime of a magic link; default `30m`. */
    readonly duration?: DurationOption;
  };
  readonly email?: {
    /** E-mail patterns admitted by e-mail login; empty admits everybody. */
    readonly allowList?: ListOption;
  };
  readonly github?: GithubConfigOptions;
  readonly google?: GoogleConfigOptions;
  /**
   * The one generic OIDC provider (Keycloak, Entra ID, Okta…). As in `tower.yml` it may be
   * written as a list of one; a second provider is an error.
   */
  readonly oidc?: OidcConfigOptions | readonly [OidcConfigOptions];
  readonly session?: {
    /** Absolute cap of a session, however often it is refreshed; default `7d`. */
    readonly maxLifetime?: DurationOption;
    /** Window in which the previous refresh token may be replayed; default `30s`, `0` allowed. */
    readonly refreshGrace?: DurationOption;
    /** How long expired or revoked sessions are kept before the purge; default `7d`. */
    readonly retention?: DurationOption;
  };
  /** Browser heartbeat period; must be below the access token lifetime; default `5m`. */
  readonly heartbeatInterval?: DurationOption;
  readonly purge?: {
    /** How often the purge job runs; default `10m`. */
    readonly interval?: DurationOption;
    /** Rows deleted per batch, each batch its own transaction; default 5000. */
    readonly batchSize?: NumberOption;
  };
  readonly audit?: {
    /** How long audit rows are kept; default `90d`. */
    readonly retention?: DurationOption;
  };
  /** The durable mail queue. */
  readonly outbox?: {
    /** SMTP delivery attempts before an e-mail is marked failed; default 8. */
    readonly maxAttempts?: NumberOption;
    /** Delay before the first retry, doubled with each attempt; default `30s`. */
    readonly retryDelay?: DurationOption;
    /** How often the mail worker looks for due e-mails; default `10s`. */
    readonly pollInterval?: DurationOption;
    /** How long sent and failed e-mails are kept; default `7d`. */
    readonly retention?: DurationOption;
  };
  readonly rateLimit?: {
    /** Magic-link requests per e-mail address; default 5 per `15m`. */
    readonly email?: RateLimitConfigOptions;
    /** Magic-link requests per client address; default 30 per `15m`. */
    readonly client?: RateLimitConfigOptions;
  };
}

export interface SmtpConfigOptions {
  /** SMTP server. Without it e-mail login is offered only for a localhost `serverUrl`. */
  readonly host?: string;
  /** SMTP port; default 587. */
  readonly port?: NumberOption;
  /** SMTP user name. */
  readonly user?: string;
  /** SMTP password. Never shown in errors or logs. */
  readonly password?: string;
  /** Authenticate to the SMTP server; default true. */
  readonly auth?: FlagOption;
  readonly starttls?: {
    /** Upgrade the connection with STARTTLS when offered; default true (false sends in clear). */
    readonly enable?: FlagOption;
    /** Refuse to send without STARTTLS; default false. */
    readonly required?: FlagOption;
  };
  readonly ssl?: {
    /** TLS from the first byte (as port 465 always does); default false. */
    readonly enable?: FlagOption;
  };
  /** PEM file of the CA(s) trusted for the SMTP server (relative to `cwd`). */
  readonly caFile?: string;
}

/** Lifetimes of the tokens (Micronaut's `micronaut.security.token.*` keys in `tower.yml`). */
export interface TokenConfigOptions {
  /** Access token lifetime; default `1h`. */
  readonly accessTokenExpiration?: DurationOption;
  /** Refresh token idle timeout: users are logged out after this much inactivity; default `6h`. */
  readonly refreshTokenExpiration?: DurationOption;
  /** `JWT_REFRESH_TOKEN` cookie lifetime, at least the refresh expiration; default `12h`. */
  readonly refreshCookieMaxAge?: DurationOption;
}

export interface EphemeralConfigOptions {
  /** Default lifetime of an ephemeral endpoint, at most the refresh expiration; default `6h`. */
  readonly duration?: DurationOption;
  /** Largest ephemeral content in bytes; default 1048576. */
  readonly maxBytes?: NumberOption;
}

/** The host's DataSource is the module's; this only adds what a connection pooler needs. */
export interface DatabaseConfigOptions {
  /**
   * Postgres itself (`postgres://…`) when the DataSource goes through a transaction-mode
   * pooler such as PgBouncer: the revocation listener (LISTEN) and the purge's advisory lock
   * need a session of their own. Unset: they connect with the DataSource's settings.
   */
  readonly directUrl?: string;
}

/**
 * Sources, highest first: `env`, then these typed options, then `configFile`, then defaults.
 * `env` comes first as it does for the service (where `TOWER_*` beats `tower.yml`): what an
 * operator sets at deploy time overrides what is written in code. A host that wants its code to
 * have the last word simply does not pass `env`. Nothing is read implicitly: not `process.env`,
 * not a `./tower.yml`, and no development secret is generated.
 */
export interface AuthModuleConfigOptions {
  /**
   * Public base URL: every link, redirect and callback is built from it, with its path (`/v1`).
   * Default `http://localhost:8000`; plain http needs `enableUnsafeMode` outside localhost.
   */
  readonly serverUrl?: string;
  /** HS256 key of access tokens, 35 characters or more (`openssl rand -base64 48`). Required. */
  readonly jwtSecret?: string;
  /** Allow an `http://` server URL, OIDC issuer or GitHub server that is not localhost. */
  readonly enableUnsafeMode?: FlagOption;
  /** Name in e-mails and the `iss` claim of access tokens; default `Seqera`. */
  readonly appName?: string;
  /** Sender of sign-in e-mails, shown in `/service-info`. */
  readonly contactEmail?: string;
  /** User ids or e-mails (case-insensitive) that are root; e-mails match verified ones only. */
  readonly rootUsers?: ListOption;
  /**
   * How many proxies in front of the application append to `X-Forwarded-For`: the client
   * address (rate limits, audit) is the entry that many places from the right. `true` is one,
   * `false` (the default) ignores the header.
   */
  readonly trustProxy?: FlagOption | NumberOption;
  readonly auth?: AuthConfigOptions;
  readonly smtp?: SmtpConfigOptions;
  readonly tokens?: TokenConfigOptions;
  readonly ephemeral?: EphemeralConfigOptions;
  readonly database?: DatabaseConfigOptions;
  /**
   * `TOWER_*` variables, Seqera style (pass `process.env` or a subset). They override every
   * other source; empty values count as unset. The standalone service's own settings
   * (`DATABASE_URL`, `PORT`, `HOST`, `HTTP_PLATFORM`, `TOWER_DATA_DIR`, …) are ignored.
   * `TOWER_CONFIG_FILE` here names the `tower.yml` to read, before `configFile`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A `tower.yml` to read (relative to `cwd`); it must exist. Its `${NAME}` placeholders are
   * resolved from `env` only. Service-only keys (`tower.db.*` but `tower.db.direct-url`,
   * `tower.data-dir`) are ignored.
   */
  readonly configFile?: string;
  /** Base of relative paths (`configFile`, `smtp.caFile`); default the working directory. */
  readonly cwd?: string;
}
