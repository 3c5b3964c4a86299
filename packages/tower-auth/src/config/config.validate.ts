import { basename } from 'node:path';
import { deriveAuth, isLocalUrl } from './config.build.js';
import type { KeyId } from './config.keys.js';
import type { ResolvedValues } from './config.resolve.js';
import { ONE_OIDC_PROVIDER, type YamlSource } from './config.sources.js';

export const SHORT_SECRET = 'JWT token generator secret should be 35 characters or longer';
const MIN_SECRET_LENGTH = 35;
/** Sections of `tower.auth` that are not (generic) OIDC providers. */
const NON_OIDC_SECTIONS = new Set([
  'oidc',
  'github',
  'google',
  'email',
  'session',
  'purge',
  'audit',
  'outbox',
  'rate-limit',
]);

export interface Problems {
  readonly errors: string[];
  readonly warnings: string[];
}

function names(values: ResolvedValues, id: KeyId): string {
  const { spec } = values.get(id);
  return spec.env === null ? spec.key : `${spec.env} / ${spec.key}`;
}

/** Given by the operator, valid or not (an invalid value is already reported). */
function given(values: ResolvedValues, id: KeyId): boolean {
  return values.get(id).source !== 'default';
}

export function checkJwtSecret(values: ResolvedValues, note: string): string[] {
  const secret = values.str('jwtSecret');
  if (secret === null) {
    return [
      `TOWER_JWT_SECRET is not set: it signs access and refresh tokens and is required (generate one with: openssl rand -base64 48)${note}`,
    ];
  }
  return secret.length < MIN_SECRET_LENGTH ? [SHORT_SECRET] : [];
}

const PROVIDERS = [
  { label: 'GitHub', client: 'auth.github.clientId', secret: 'auth.github.clientSecret' },
  { label: 'Google', client: 'auth.google.clientId', secret: 'auth.google.clientSecret' },
  { label: 'OIDC', client: 'auth.oidc.clientId', secret: 'auth.oidc.clientSecret' },
] as const;

export function checkProviders(values: ResolvedValues): string[] {
  const errors: string[] = [];
  for (const { label, client, secret } of PROVIDERS) {
    const [hasClient, hasSecret] = [given(values, client), given(values, secret)];
    if (hasClient && !hasSecret) {
      errors.push(
        `${label} login: the client id is set but the client secret (${names(values, secret)}) is missing`,
      );
    }
    if (hasSecret && !hasClient) {
      errors.push(
        `${label} login: the client secret is set but the client id (${names(values, client)}) is missing`,
      );
    }
  }
  const hasOidcClient =
    given(values, 'auth.oidc.clientId') || given(values, 'auth.oidc.clientSecret');
  if (hasOidcClient && !given(values, 'auth.oidc.issuer')) {
    errors.push(`OIDC login: the issuer (${names(values, 'auth.oidc.issuer')}) is missing`);
  }
  if (!hasOidcClient && given(values, 'auth.oidc.issuer')) {
    errors.push(
      `OIDC login: the issuer is set but the client id and secret (${names(values, 'auth.oidc.clientId')}, ${names(values, 'auth.oidc.clientSecret')}) are missing`,
    );
  }
  if (
    values.bool('auth.oidc.requireVerifiedEmail') &&
    values.bool('auth.oidc.trustUnverifiedEmail')
  ) {
    errors.push(
      `OIDC login: ${names(values, 'auth.oidc.requireVerifiedEmail')} refuses the e-mails that ${names(values, 'auth.oidc.trustUnverifiedEmail')} trusts: set one of them`,
    );
  }
  return errors;
}

const HTTP_URLS = [
  ['serverUrl', 'a plain http server URL', ' (cookies then lose Secure)'],
  ['auth.oidc.issuer', 'an http OIDC issuer', ''],
  ['auth.github.serverUrl', 'an http GitHub server', ''],
] as const;

/** Plain http outside localhost only in unsafe mode. */
export function checkUrls(values: ResolvedValues): string[] {
  if (values.bool('unsafeMode')) return [];
  return HTTP_URLS.flatMap(([id, what, consequence]) => {
    const url = values.str(id);
    if (!url?.startsWith('http:') || isLocalUrl(url)) return [];
    return [
      `${names(values, id)} is ${url}: ${what} needs TOWER_ENABLE_UNSAFE_MODE=true${consequence}; only localhost may use http without it`,
    ];
  });
}

/** Unknown `tower.*` keys warn; another `tower.auth.<name>` carrying an issuer is a second OIDC provider. */
export function checkYamlKeys(
  values: ResolvedValues,
  yaml: YamlSource,
  consumed: ReadonlySet<string>,
): Problems {
  const file = yaml.file === null ? 'tower.yml' : basename(yaml.file);
  const sections = oidcLikeSections(yaml);
  const problems: Problems = { errors: [], warnings: unknownKeys(yaml, consumed, sections, file) };
  const oidcGiven = (
    ['auth.oidc.clientId', 'auth.oidc.clientSecret', 'auth.oidc.issuer'] as const
  ).some((id) => given(values, id));
  const providers = [
    ...(oidcGiven ? ['tower.auth.oidc (TOWER_OIDC_*)'] : []),
    ...sections.values(),
  ];
  if (providers.length > 1) {
    problems.errors.push(`${ONE_OIDC_PROVIDER}, but ${providers.join(' and ')} are configured`);
  } else if (sections.size === 1) {
    problems.warnings.push(
      `${providers[0]} in ${file} is ignored: configure the OIDC provider under tower.auth.oidc (TOWER_OIDC_*)`,
    );
  }
  return problems;
}

/** `tower.auth.keycloak.issuer` and the like, by normalised section name → path as written. */
function oidcLikeSections(yaml: YamlSource): Map<string, string> {
  const sections = new Map<string, string>();
  for (const [key, leaf] of yaml.leaves) {
    const section = /^tower\.auth\.([^.]+)\.issuer$/.exec(key)?.[1];
    if (section !== undefined && !NON_OIDC_SECTIONS.has(section)) {
      sections.set(section, leaf.path.replace(/\.[^.]+$/, ''));
    }
  }
  return sections;
}

function unknownKeys(
  yaml: YamlSource,
  consumed: ReadonlySet<string>,
  oidcSections: ReadonlyMap<string, string>,
  file: string,
): string[] {
  const warnings: string[] = [];
  for (const [key, leaf] of yaml.leaves) {
    const section = /^tower\.auth\.([^.]+)\./.exec(key)?.[1] ?? '';
    if (key.startsWith('tower.') && !isConsumed(key, consumed) && !oidcSections.has(section)) {
      warnings.push(`Unknown key ${leaf.path} in ${file} is ignored`);
    }
  }
  return warnings;
}

/** A key inside a known one (a mapping where a value belongs) is reported by the known key. */
function isConsumed(key: string, consumed: ReadonlySet<string>): boolean {
  const segments = key.split('.');
  return segments.some((_, i) => consumed.has(segments.slice(0, i + 1).join('.')));
}

export function collectWarnings(values: ResolvedValues): string[] {
  const derived = deriveAuth(values);
  const show = (id: KeyId): string => values.get(id).display;
  const warnings: string[] = [];
  if (values.bool('auth.disableEmail') && !derived.otherProvider) {
    warnings.push(
      `${names(values, 'auth.disableEmail')} is set but no GitHub, Google or OIDC login is configured: e-mail login stays on`,
    );
  }
  if (values.num('ephemeral.duration') > values.num('auth.refreshTokenExpiration')) {
    warnings.push(
      `tower.ephemeral.duration (${show('ephemeral.duration')}) is longer than the refresh token expiration (${show('auth.refreshTokenExpiration')}): jobs that wait longer than the refresh expiration fail; raise both together`,
    );
  }
  if (values.num('auth.refreshCookieMaxAge') < values.num('auth.refreshTokenExpiration')) {
    warnings.push(
      `micronaut.security.token.refresh.cookie.cookie-max-age (${show('auth.refreshCookieMaxAge')}) is shorter than the refresh token expiration (${show('auth.refreshTokenExpiration')}): browser sessions end before the refresh token expires`,
    );
  }
  if (values.num('auth.heartbeatInterval') >= values.num('auth.accessTokenExpiration')) {
    warnings.push(
      `tower.auth.heartbeat-interval (${show('auth.heartbeatInterval')}) is not below the access token expiration (${show('auth.accessTokenExpiration')}): browsers would use expired access tokens`,
    );
  }
  warnings.push(...loginMethodWarnings(values, derived.authTypes.length, derived.emailEnabled));
  warnings.push(...smtpWarnings(values));
  return warnings;
}

/** Mail in clear is allowed, but only when asked for, and never silently. */
function smtpWarnings(values: ResolvedValues): string[] {
  const implicitTls = values.num('smtp.port') === 465 || values.bool('smtp.sslEnabled');
  const plaintext =
    values.isSet('smtp.host') &&
    values.get('smtp.starttlsEnabled').value === false &&
    !values.bool('smtp.starttlsRequired') &&
    !implicitTls;
  if (!plaintext) return [];
  return [
    `${names(values, 'smtp.starttlsEnabled')} is false: sign-in e-mails (their links) and the SMTP password cross the network in clear text, even when the server offers STARTTLS`,
  ];
}

function loginMethodWarnings(
  values: ResolvedValues,
  methods: number,
  emailEnabled: boolean,
): string[] {
  if (methods === 0 && values.str('serverUrl') !== null) {
    return [
      'No login method is available: set TOWER_SMTP_HOST for e-mail login or configure GitHub, Google or OIDC',
    ];
  }
  if (emailEnabled && !values.isSet('smtp.host')) {
    return [
      'Development mode: no SMTP host (TOWER_SMTP_HOST) is set, so sign-in links are written to the log',
    ];
  }
  return [];
}
