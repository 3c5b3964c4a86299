import type { z } from 'zod';
import type { derive } from './config.build.js';
import type { Settings, SettingTable } from './config.keys.js';

/** Every setting at its key, typed as the loader leaves it (`null`: unset, where allowed). */
type ValuesOf<T extends SettingTable> = {
  [P in keyof T]: T[P]['default'] extends null
    ? z.output<T[P]['schema']> | null
    : z.output<T[P]['schema']>;
};

/**
 * The effective configuration of the module: one typed, frozen object built once at boot from
 * environment variables, `tower.yml` (or the module options) and defaults. Durations are in
 * seconds. Its shape follows from the settings (config.keys.ts, keyed by their path here) and
 * the values derived from them.
 */
export type TowerConfig = Nest<ValuesOf<Settings> & Derived>;

/** `TowerConfig` and settings of one's own (`loadTowerConfig`'s `settings`). */
export type ConfigWith<T extends SettingTable> = TowerConfig & Nest<ValuesOf<T>>;

export type ProviderId = 'github' | 'google' | 'oidc';
export type AuthType = 'email' | ProviderId;

/** Computed from the settings. */
type Derived = ReturnType<typeof derive>;

type Head<P> = P extends `${infer H}.${string}` ? H : P;
/** `{'a.b': X, c: Y}` → `{a: {b: X}, c: Y}`. */
export type Nest<R> = {
  readonly [H in Head<keyof R & string>]: H extends keyof R
    ? R[H]
    : Nest<{ [P in keyof R & string as P extends `${H}.${infer T}` ? T : never]: R[P] }>;
};

export type SmtpConfig = TowerConfig['smtp'];
export type GithubConfig = TowerConfig['auth']['github'];
export type GoogleConfig = TowerConfig['auth']['google'];
export type OidcConfig = TowerConfig['auth']['oidc'];
export type OAuthClientConfig = Pick<OidcConfig, keyof GithubConfig & keyof OidcConfig>;
export type TokenAuthMethod = OidcConfig['tokenAuthMethod'];
/** A fixed-window limit: at most `max` requests per `window` seconds. */
export type RateLimit = TowerConfig['auth']['rateLimit']['email'];
/** The durable mail queue (mail_outbox). */
export type OutboxConfig = TowerConfig['auth']['outbox'];

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

export interface ConfigReport<C = TowerConfig> {
  /** Present only when `errors` is empty. */
  readonly config: C | null;
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
