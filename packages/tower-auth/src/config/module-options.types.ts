import type { z } from 'zod';
import type { Settings } from './config.keys.js';
import type { Value } from './config.values.js';
import type { Nest } from './tower-config.types.js';

export type { DurationOption, FlagOption, ListOption, NumberOption } from './config.values.js';

/**
 * The configuration a host application gives `AuthModule`, named after `tower.yml` in camelCase
 * (`tower.auth.github.allow-list` is `auth.github.allowList`): each setting's option and the
 * values it accepts follow from its entry in config.keys.ts. Every field is optional: what is
 * not given takes the `tower.yml` default. docs/configuration.md maps each option to its
 * `tower.yml` key and `TOWER_*` variable.
 */
type OptionTree = Optional<
  Nest<{ [P in keyof Settings as Settings[P]['option']]: z.input<Settings[P]['schema']> }>
>;
type Optional<T> = { readonly [K in keyof T]?: T[K] extends Value ? T[K] : Optional<T[K]> };

export type OidcConfigOptions = NonNullable<NonNullable<OptionTree['auth']>['oidc']>;
export interface AuthConfigOptions extends Omit<NonNullable<OptionTree['auth']>, 'oidc'> {
  /**
   * The one generic OIDC provider (Keycloak, Entra ID, Okta…). As in `tower.yml` it may be
   * written as a list of one; a second provider is an error.
   */
  readonly oidc?: OidcConfigOptions | readonly [OidcConfigOptions];
}
export type GithubConfigOptions = NonNullable<AuthConfigOptions['github']>;
export type GoogleConfigOptions = NonNullable<AuthConfigOptions['google']>;
/** At most `max` magic-link requests per `window`. */
export type RateLimitConfigOptions = NonNullable<
  NonNullable<AuthConfigOptions['rateLimit']>['email']
>;
export type SmtpConfigOptions = NonNullable<OptionTree['smtp']>;
/** Lifetimes of the tokens (Micronaut's `micronaut.security.token.*` keys in `tower.yml`). */
export type TokenConfigOptions = NonNullable<OptionTree['tokens']>;
export type EphemeralConfigOptions = NonNullable<OptionTree['ephemeral']>;
/** The host's DataSource is the module's; this only adds what a connection pooler needs. */
export type DatabaseConfigOptions = NonNullable<OptionTree['database']>;

/**
 * Sources, highest first: `env`, then these typed options, then `configFile`, then defaults.
 * `env` comes first as it does for the service (where `TOWER_*` beats `tower.yml`): what an
 * operator sets at deploy time overrides what is written in code. A host that wants its code to
 * have the last word simply does not pass `env`. Nothing is read implicitly: not `process.env`,
 * not a `./tower.yml`, and no development secret is generated.
 */
export interface AuthModuleConfigOptions extends Omit<OptionTree, 'auth'> {
  readonly auth?: AuthConfigOptions;
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
