import { basename } from 'node:path';
import { isLocalUrl } from '../common/local-url.js';
import { derive } from './config.build.js';
import { unknownName, type KeyId } from './config.keys.js';
import type { Resolution, Values } from './config.loader.js';
import { normalizePath, ONE_OIDC_PROVIDER, type YamlSource } from './config.sources.js';

const MIN_SECRET_LENGTH = 35;
/** Sections of `tower.auth` that are not (generic) OIDC providers. */
const NON_OIDC_SECTIONS = new Set(
  'oidc github google email session purge audit outbox rate-limit'.split(' '),
);
const OIDC_SETTINGS = ['auth.oidc.clientId', 'auth.oidc.clientSecret', 'auth.oidc.issuer'] as const;

export type Problems = { readonly errors: string[]; readonly warnings: string[] };

/** What a rule reads: the values, and how messages name and show a setting. */
interface Check {
  readonly v: Values;
  readonly derived: ReturnType<typeof derive>;
  /** Given by the operator, valid or not (an invalid value is already reported). */
  readonly given: (id: KeyId) => boolean;
  readonly name: (id: KeyId) => string;
  readonly show: (id: KeyId) => string;
  /** Why no secret is at hand when none is given; null: that is already reported. */
  readonly secretNote: string | null;
}
/** A problem's message, or none. */
type Rule = (check: Check) => string | false | null;
/** Invalid or unset reads as NaN, so that comparisons are false: problems do not cascade. */
const num = (value: number | null): number => value ?? NaN;

/** A login provider needs both its client id and its secret. */
const PROVIDER_PAIRS = (['GitHub', 'Google', 'OIDC'] as const).map((label): Rule => (check) => {
  const provider = label.toLowerCase() as 'github' | 'google' | 'oidc';
  const [client, secret] = [`auth.${provider}.clientId`, `auth.${provider}.clientSecret`] as const;
  if (check.given(client) === check.given(secret)) return false;
  const [given, missing] = check.given(client)
    ? ['client id', `client secret (${check.name(secret)})`]
    : ['client secret', `client id (${check.name(client)})`];
  return `${label} login: the ${given} is set but the ${missing} is missing`;
});

/** Plain http outside localhost only in unsafe mode. */
const HTTP_URLS: Rule[] = (
  [
    ['serverUrl', 'a plain http server URL', ' (cookies then lose Secure)'],
    ['auth.oidc.issuer', 'an http OIDC issuer', ''],
    ['auth.github.serverUrl', 'an http GitHub server', ''],
  ] as const
).map(([id, what, consequence]) => ({ v, name }) => {
  const url = v[id];
  if (v.unsafeMode || !url?.startsWith('http:') || isLocalUrl(url)) return false;
  return `${name(id)} is ${url}: ${what} needs TOWER_ENABLE_UNSAFE_MODE=true${consequence}; only localhost may use http without it`;
});

const ERRORS: Rule[] = [
  ({ v, secretNote }) =>
    secretNote !== null &&
    v.jwtSecret === null &&
    `TOWER_JWT_SECRET is not set: it signs access and refresh tokens and is required (generate one with: openssl rand -base64 48)${secretNote}`,
  ({ v, secretNote }) =>
    secretNote !== null &&
    (v.jwtSecret?.length ?? MIN_SECRET_LENGTH) < MIN_SECRET_LENGTH &&
    'JWT token generator secret should be 35 characters or longer',
  ...PROVIDER_PAIRS,
  ({ given, name }) => {
    const client = given('auth.oidc.clientId') || given('auth.oidc.clientSecret');
    if (client === given('auth.oidc.issuer')) return false;
    if (client) return `OIDC login: the issuer (${name('auth.oidc.issuer')}) is missing`;
    return `OIDC login: the issuer is set but the client id and secret (${name('auth.oidc.clientId')}, ${name('auth.oidc.clientSecret')}) are missing`;
  },
  ({ v, name }) =>
    v['auth.oidc.requireVerifiedEmail'] &&
    v['auth.oidc.trustUnverifiedEmail'] &&
    `OIDC login: ${name('auth.oidc.requireVerifiedEmail')} refuses the e-mails that ${name('auth.oidc.trustUnverifiedEmail')} trusts: set one of them`,
  ...HTTP_URLS,
];

const WARNINGS: Rule[] = [
  ({ v, derived, name }) =>
    v['auth.disableEmail'] &&
    derived.authTypes.every((type) => type === 'email') &&
    `${name('auth.disableEmail')} is set but no GitHub, Google or OIDC login is configured: e-mail login stays on`,
  ({ v, show }) =>
    num(v['ephemeral.duration']) > num(v['auth.refreshTokenExpiration']) &&
    `tower.ephemeral.duration (${show('ephemeral.duration')}) is longer than the refresh token expiration (${show('auth.refreshTokenExpiration')}): jobs that wait longer than the refresh expiration fail; raise both together`,
  ({ v, show }) =>
    num(v['auth.refreshCookieMaxAge']) < num(v['auth.refreshTokenExpiration']) &&
    `micronaut.security.token.refresh.cookie.cookie-max-age (${show('auth.refreshCookieMaxAge')}) is shorter than the refresh token expiration (${show('auth.refreshTokenExpiration')}): browser sessions end before the refresh token expires`,
  ({ v, show }) =>
    num(v['auth.heartbeatInterval']) >= num(v['auth.accessTokenExpiration']) &&
    `tower.auth.heartbeat-interval (${show('auth.heartbeatInterval')}) is not below the access token expiration (${show('auth.accessTokenExpiration')}): browsers would use expired access tokens`,
  ({ v, derived }) =>
    derived.authTypes.length === 0 &&
    v.serverUrl !== null &&
    'No login method is available: set TOWER_SMTP_HOST for e-mail login or configure GitHub, Google or OIDC',
  ({ v, derived }) =>
    derived['auth.emailEnabled'] &&
    v['smtp.host'] === null &&
    'Development mode: no SMTP host (TOWER_SMTP_HOST) is set, so sign-in links are written to the log',
  // Mail in clear is allowed, but only when asked for, and never silently.
  ({ v, name }) =>
    v['smtp.host'] !== null &&
    v['smtp.starttlsEnabled'] === false &&
    !v['smtp.starttlsRequired'] &&
    v['smtp.port'] !== 465 &&
    !v['smtp.sslEnabled'] &&
    `${name('smtp.starttlsEnabled')} is false: sign-in e-mails (their links) and the SMTP password cross the network in clear text, even when the server offers STARTTLS`,
];

/** The rules across settings. */
export function checkRules(resolution: Resolution, secretNote: string | null): Problems {
  const { values, entries } = resolution;
  const check: Check = {
    v: values,
    derived: derive(resolution),
    given: (id) => entries[id].source !== 'default',
    name: (id) =>
      entries[id].env === null ? entries[id].key : `${entries[id].env} / ${entries[id].key}`,
    show: (id) => entries[id].value,
    secretNote,
  };
  const apply = (rules: Rule[]): string[] =>
    rules.map((rule) => rule(check)).filter((problem) => typeof problem === 'string');
  return { errors: apply(ERRORS), warnings: apply(WARNINGS) };
}

/** Unknown `tower.*` keys warn; another `tower.auth.<name>` carrying an issuer is a second OIDC provider. */
export function checkYamlKeys({ entries, specs }: Resolution, yaml: YamlSource): Problems {
  const known = specs.flatMap((spec) => spec.yaml);
  const file = yaml.file === null ? 'tower.yml' : basename(yaml.file);
  const sections = new Map<string, string>();
  for (const [key, leaf] of yaml.leaves) {
    const section = /^tower\.auth\.([^.]+)\.issuer$/.exec(key)?.[1];
    if (section !== undefined && !NON_OIDC_SECTIONS.has(section)) {
      sections.set(section, leaf.path.replace(/\.[^.]+$/, ''));
    }
  }
  const unknown = new Map<string, string>();
  for (const [key, { path }] of yaml.leaves) {
    const found = key.startsWith('tower.') ? unknownName(path, known, normalizePath) : null;
    if (found === null || sections.has(/^tower\.auth\.([^.]+)\./.exec(key)?.[1] ?? '')) continue;
    const guess = found.guess ? ` (did you mean ${found.guess}?)` : '';
    unknown.set(found.name, `Unknown key ${found.name} in ${file} is ignored${guess}`);
  }
  const warnings = [...unknown.values()];
  const oidcGiven = OIDC_SETTINGS.some((id) => entries[id].source !== 'default');
  const providers = [
    ...(oidcGiven ? ['tower.auth.oidc (TOWER_OIDC_*)'] : []),
    ...sections.values(),
  ];
  if (providers.length > 1) {
    const errors = [`${ONE_OIDC_PROVIDER}, but ${providers.join(' and ')} are configured`];
    return { errors, warnings };
  }
  if (sections.size === 1) {
    warnings.push(
      `${providers[0]} in ${file} is ignored: configure the OIDC provider under tower.auth.oidc (TOWER_OIDC_*)`,
    );
  }
  return { errors: [], warnings };
}
