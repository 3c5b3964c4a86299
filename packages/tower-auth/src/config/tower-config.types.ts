/**
 * The effective configuration: one typed, frozen object built once at boot by the loader
 * (`loadTowerConfig`) from environment variables, `tower.yml` and defaults. Durations are in
 * seconds. The service hands `process.env` to the loader in one place.
 */
export type ProviderId = 'github' | 'google' | 'oidc';
export type AuthType = 'email' | ProviderId;
export type TokenAuthMethod = 'client_secret_basic' | 'client_secret_post';
export type HttpPlatform = 'fastify' | 'express';

export interface OAuthClientConfig {
  /** True when both the client id and the secret are set. */
  readonly enabled: boolean;
  readonly clientId: string | null;
  readonly clientSecret: string | null;
  /** Normalised patterns (lower-cased, trimmed); empty admits everybody. */
  readonly allowList: readonly string[];
}

export interface GithubConfig extends OAuthClientConfig {
  /** GitHub (Enterprise Server) base URL, no trailing slash. */
  readonly serverUrl: string;
}

export interface GoogleConfig extends OAuthClientConfig {
  readonly hostedDomain: string | null;
}

export interface OidcConfig extends OAuthClientConfig {
  /** Exactly as configured: discovery must return this issuer byte for byte. */
  readonly issuer: string | null;
  /** Always contains `openid`. */
  readonly scopes: readonly string[];
  readonly tokenAuthMethod: TokenAuthMethod;
  /** Refuse a login whose e-mail the provider does not mark `email_verified`. */
  readonly requireVerifiedEmail: boolean;
  /**
   * Treat an e-mail that comes without `email_verified` (Entra ID) as verified: it links to the
   * user with that address, meets the allow list and may match a root e-mail entry.
   */
  readonly trustUnverifiedEmail: boolean;
  /** Label of the login button, e.g. "Sign in with Okta". */
  readonly label: string;
  /** Seconds a discovery document (and its JWKS) is reused before it is fetched again. */
  readonly discoveryTtl: number;
}

/** A fixed-window limit: at most `max` requests per `window` seconds. */
export interface RateLimit {
  readonly max: number;
  readonly window: number;
}

/** The durable mail queue (mail_outbox). */
export interface OutboxConfig {
  /** Attempts before a row is marked failed. */
  readonly maxAttempts: number;
  /** Seconds before the first retry; doubles with each attempt. */
  readonly retryDelay: number;
  /** Seconds between polls for due rows (a new row also wakes the worker at once). */
  readonly pollInterval: number;
  /** Seconds sent and failed rows are kept before the purge removes them. */
  readonly retention: number;
}

export interface SmtpConfig {
  readonly host: string | null;
  readonly port: number;
  readonly user: string | null;
  readonly password: string | null;
  readonly auth: boolean;
  /** Upgrade with STARTTLS when the server offers it (false: never, mail goes in clear). */
  readonly starttlsEnabled: boolean;
  /** Refuse to send over a connection that STARTTLS did not protect. */
  readonly starttlsRequired: boolean;
  /** TLS from the first byte (SMTPS) on any port; port 465 always is. */
  readonly sslEnabled: boolean;
  /** PEM file of the CA(s) to trust for the SMTP server's certificate (private relays). */
  readonly caFile: string | null;
}

export interface TowerConfig {
  /** Public base URL, no trailing slash. */
  readonly serverUrl: string;
  /**
   * The path of the server URL, no trailing slash: '' for `https://host`, '/v1' for
   * `https://host/v1` (a host's global prefix, or a proxy's). Every path the module hands a
   * browser (cookie paths, page scripts and the URLs they call) starts with it.
   */
  readonly serverPath: string;
  /** True when the server URL's host is localhost / 127.0.0.0/8 / [::1]. */
  readonly serverUrlIsLocal: boolean;
  /** True when the server URL is https (cookies get `Secure`). */
  readonly secureCookies: boolean;
  readonly unsafeMode: boolean;
  readonly appName: string;
  readonly contactEmail: string | null;
  readonly jwtSecret: string;
  /** True when the secret was generated for development and kept in the data folder. */
  readonly jwtSecretGenerated: boolean;
  /** Lower-cased ids or e-mails. */
  readonly rootUsers: readonly string[];
  /**
   * How many proxies in front of the service append to X-Forwarded-For (tower.trust-proxy /
   * TOWER_TRUST_PROXY: `false` = 0, `true` = 1, or a count); 0 ignores the header.
   */
  readonly trustProxy: number;
  /** Local state: embedded database, generated development secret (TOWER_DATA_DIR, ./.data). */
  readonly dataDir: string;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly platform: HttpPlatform;
  };
  readonly database: {
    /** null: run embedded Postgres in `embeddedDir`. */
    readonly url: string | null;
    /**
     * Postgres itself, for the connections that hold session state (the revocation listener,
     * the purge's advisory lock, migrations) when `url` is a transaction-mode pooler; null:
     * those use the pool's settings.
     */
    readonly directUrl: string | null;
    readonly migrationsRun: boolean;
    readonly embeddedDir: string;
  };
  readonly smtp: SmtpConfig;
  readonly auth: {
    /** As configured. */
    readonly disableEmail: boolean;
    /** Effective: e-mail login is offered (see SPEC §1 rule and §8 development mode). */
    readonly emailEnabled: boolean;
    readonly mailDuration: number;
    readonly accessTokenExpiration: number;
    readonly refreshTokenExpiration: number;
    readonly refreshCookieMaxAge: number;
    readonly sessionMaxLifetime: number;
    readonly refreshGrace: number;
    /** Seconds between browser heartbeats (GET /oauth/access_token). */
    readonly heartbeatInterval: number;
    readonly purgeInterval: number;
    /** Rows per purge batch; each batch is its own short transaction. */
    readonly purgeBatchSize: number;
    readonly auditRetention: number;
    readonly sessionRetention: number;
    readonly emailAllowList: readonly string[];
    /** Magic-link requests per e-mail address and per client address. */
    readonly rateLimit: { readonly email: RateLimit; readonly client: RateLimit };
    readonly outbox: OutboxConfig;
    readonly github: GithubConfig;
    readonly google: GoogleConfig;
    readonly oidc: OidcConfig;
  };
  readonly ephemeral: {
    readonly duration: number;
    readonly maxBytes: number;
  };
  /** The login methods offered, in display order. */
  readonly authTypes: readonly AuthType[];
}

/** `options`: given in code to `resolveModuleConfig` (AuthModule options). */
export type ConfigSource = 'default' | 'tower.yml' | 'options' | 'env' | 'generated';

export interface ConfigEntry {
  /** Canonical key, e.g. `tower.auth.oidc.issuer`. */
  readonly key: string;
  /** The environment variable, when there is one. */
  readonly env: string | null;
  /** Display value: secrets masked, durations as given. */
  readonly value: string;
  readonly source: ConfigSource;
}

export interface ConfigReport {
  /** Present only when `errors` is empty. */
  readonly config: TowerConfig | null;
  readonly entries: readonly ConfigEntry[];
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

/** Thrown by `loadTowerConfigOrThrow`; its message lists every problem, one per line. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Injection token of the frozen TowerConfig. */
export const TOWER_CONFIG = Symbol('TOWER_CONFIG');
