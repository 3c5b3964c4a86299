import { basename } from 'node:path';
import { derive, isLocalUrl } from './config.build.js';
import { KEY_SPECS, type KeyId } from './config.keys.js';
import type { ResolvedValues } from './config.resolve.js';
import { normalizePath, ONE_OIDC_PROVIDER, type YamlSource } from './config.sources.js';

const MIN_SECRET_LENGTH = 35;
/** Sections of `tower.auth` that are not (generic) OIDC providers. */
const NON_OIDC_SECTIONS = new Set(
  'oidc github google email session purge audit outbox rate-limit'.split(' '),
);
/** tower.yml keys of the settings; a key inside one (a mapping where a value belongs) is its. */
const KNOWN_KEYS = new Set(KEY_SPECS.flatMap((spec) => spec.yaml.map(normalizePath)));

export interface Problems {
  readonly errors: string[];
  readonly warnings: string[];
}

/** What a rule reads: the values, and how messages name and show a setting. */
interface Check {
  readonly v: ResolvedValues;
  readonly derived: ReturnType<typeof derive>;
  /** Given by the operator, valid or not (an invalid value is already reported). */
  readonly given: (id: KeyId) => boolean;
  readonly name: (id: KeyId) => string;
  readonly show: (id: KeyId) => string;
  /** Why no secret is at hand when none is given; null: that is already reported. */
  readonly secretNote: string | null;
}
/** A problem's message, or false when there is none. */
type Rule = (check: Check) => string | false;

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
  const url = v.str(id);
  if (v.bool('unsafeMode') || !url?.startsWith('http:') || isLocalUrl(url)) return false;
  return `${name(id)} is ${url}: ${what} needs TOWER_ENABLE_UNSAFE_MODE=true${consequence}; only localhost may use http without it`;
});

const ERRORS: Rule[] = [
  ({ v, secretNote }) =>
    secretNote !== null &&
    v.str('jwtSecret') === null &&
    `TOWER_JWT_SECRET is not set: it signs access and refresh tokens and is required (generate one with: openssl rand -base64 48)${secretNote}`,
  ({ v, secretNote }) =>
    secretNote !== null &&
    (v.str('jwtSecret')?.length ?? MIN_SECRET_LENGTH) < MIN_SECRET_LENGTH &&
    'JWT token generator secret should be 35 characters or longer',
  ...PROVIDER_PAIRS,
  ({ given, name }) => {
    const client = given('auth.oidc.clientId') || given('auth.oidc.clientSecret');
    if (client === given('auth.oidc.issuer')) return false;
    if (client) return `OIDC login: the issuer (${name('auth.oidc.issuer')}) is missing`;
    return `OIDC login: the issuer is set but the client id and secret (${name('auth.oidc.clientId')}, ${name('auth.oidc.clientSecret')}) are missing`;
  },
  ({ v, name }) =>
    v.bool('auth.oidc.requireVerifiedEmail') &&
    v.bool('auth.oidc.trustUnverifiedEmail') &&
    `OIDC login: ${name('auth.oidc.requireVerifiedEmail')} refuses the e-mails that ${name('auth.oidc.trustUnverifiedEmail')} trusts: set one of them`,
  ...HTTP_URLS,
];

const WARNINGS: Rule[] = [
  ({ v, derived, name }) =>
    v.bool('auth.disableEmail') &&
    derived.authTypes.every((type) => type === 'email') &&
    `${name('auth.disableEmail')} is set but no GitHub, Google or OIDC login is configured: e-mail login stays on`,
  ({ v, show }) =>
    v.num('ephemeral.duration') > v.num('auth.refreshTokenExpiration') &&
    `tower.ephemeral.duration (${show('ephemeral.duration')}) is longer than the refresh token expiration (${show('auth.refreshTokenExpiration')}): jobs that wait longer than the refresh expiration fail; raise both together`,
  ({ v, show }) =>
    v.num('auth.refreshCookieMaxAge') < v.num('auth.refreshTokenExpiration') &&
    `micronaut.security.token.refresh.cookie.cookie-max-age (${show('auth.refreshCookieMaxAge')}) is shorter than the refresh token expiration (${show('auth.refreshTokenExpiration')}): browser sessions end before the refresh token expires`,
  ({ v, show }) =>
    v.num('auth.heartbeatInterval') >= v.num('auth.accessTokenExpiration') &&
    `tower.auth.heartbeat-interval (${show('auth.heartbeatInterval')}) is not below the access token expiration (${show('auth.accessTokenExpiration')}): browsers would use expired access tokens`,
  ({ v, derived }) =>
    derived.authTypes.length === 0 &&
    v.str('serverUrl') !== null &&
    'No login method is available: set TOWER_SMTP_HOST for e-mail login or configure GitHub, Google or OIDC',
  ({ v, derived }) =>
    derived['auth.emailEnabled'] &&
    !v.isSet('smtp.host') &&
    'Development mode: no SMTP host (TOWER_SMTP_HOST) is set, so sign-in links are written to the log',
  // Mail in clear is allowed, but only when asked for, and never silently.
  ({ v, name }) =>
    v.isSet('smtp.host') &&
    v.get('smtp.starttlsEnabled').value === false &&
    !v.bool('smtp.starttlsRequired') &&
    v.num('smtp.port') !== 465 &&
    !v.bool('smtp.sslEnabled') &&
    `${name('smtp.starttlsEnabled')} is false: sign-in e-mails (their links) and the SMTP password cross the network in clear text, even when the server offers STARTTLS`,
];

/** The rules across settings. */
export function checkRules(v: ResolvedValues, secretNote: string | null): Problems {
  const check: Check = {
    v,
    derived: derive(v),
    given: (id) => v.get(id).entry.source !== 'default',
    name: (id) => {
      const { env, key } = v.get(id).entry;
      return env === null ? key : `${env} / ${key}`;
    },
    show: (id) => v.get(id).entry.value,
    secretNote,
  };
  const apply = (rules: Rule[]): string[] =>
    rules.map((rule) => rule(check)).filter((problem) => problem !== false);
  return { errors: apply(ERRORS), warnings: apply(WARNINGS) };
}

/** Unknown `tower.*` keys warn; another `tower.auth.<name>` carrying an issuer is a second OIDC provider. */
export function checkYamlKeys(values: ResolvedValues, yaml: YamlSource): Problems {
  const file = yaml.file === null ? 'tower.yml' : basename(yaml.file);
  const sections = new Map<string, string>();
  for (const [key, leaf] of yaml.leaves) {
    const section = /^tower\.auth\.([^.]+)\.issuer$/.exec(key)?.[1];
    if (section !== undefined && !NON_OIDC_SECTIONS.has(section)) {
      sections.set(section, leaf.path.replace(/\.[^.]+$/, ''));
    }
  }
  const warnings = [...yaml.leaves]
    .filter(([key]) => key.startsWith('tower.') && !isKnown(key))
    .filter(([key]) => !sections.has(/^tower\.auth\.([^.]+)\./.exec(key)?.[1] ?? ''))
    .map(([, leaf]) => `Unknown key ${leaf.path} in ${file} is ignored`);
  const oidcGiven = (
    ['auth.oidc.clientId', 'auth.oidc.clientSecret', 'auth.oidc.issuer'] as const
  ).some((id) => values.get(id).entry.source !== 'default');
  const providers = [
    ...(oidcGiven ? ['tower.auth.oidc (TOWER_OIDC_*)'] : []),
    ...sections.values(),
  ];
  if (providers.length > 1) {
    return {
      errors: [`${ONE_OIDC_PROVIDER}, but ${providers.join(' and ')} are configured`],
      warnings,
    };
  }
  if (sections.size === 1) {
    warnings.push(
      `${providers[0]} in ${file} is ignored: configure the OIDC provider under tower.auth.oidc (TOWER_OIDC_*)`,
    );
  }
  return { errors: [], warnings };
}

function isKnown(key: string): boolean {
  const segments = key.split('.');
  return segments.some((_, i) => KNOWN_KEYS.has(segments.slice(0, i + 1).join('.')));
}
