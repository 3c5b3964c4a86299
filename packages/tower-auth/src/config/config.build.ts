import type { ResolvedValues } from './config.resolve.js';
import type {
  AuthType,
  GithubConfig,
  GoogleConfig,
  HttpPlatform,
  OidcConfig,
  TokenAuthMethod,
  TowerConfig,
} from './tower-config.types.js';

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: plain http is fine and dev shortcuts apply. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '[::1]'
  );
}

export function isLocalUrl(url: string | null): boolean {
  if (url === null) return false;
  try {
    return isLocalHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The path of a normalised server URL: '' for a root URL, otherwise `/seg...` without a trailing slash. */
export function serverPathOf(serverUrl: string): string {
  return new URL(serverUrl).pathname.replace(/\/+$/, '');
}

export interface DerivedAuth {
  readonly github: boolean;
  readonly google: boolean;
  readonly oidc: boolean;
  readonly otherProvider: boolean;
  readonly serverUrlIsLocal: boolean;
  readonly emailEnabled: boolean;
  readonly authTypes: readonly AuthType[];
}

export function deriveAuth(values: ResolvedValues): DerivedAuth {
  const github = values.isSet('githubClient') && values.isSet('githubSecret');
  const google = values.isSet('googleClient') && values.isSet('googleSecret');
  const oidc =
    values.isSet('oidcClient') && values.isSet('oidcSecret') && values.isSet('oidcIssuer');
  const otherProvider = github || google || oidc;
  const serverUrlIsLocal = isLocalUrl(values.str('serverUrl'));
  // Development mode (local URL, no SMTP host) keeps e-mail login on and logs the links.
  const mailDeliverable = values.isSet('smtpHost') || serverUrlIsLocal;
  const emailEnabled = !(values.bool('disableEmail') && otherProvider) && mailDeliverable;
  const enabled: Record<AuthType, boolean> = { email: emailEnabled, github, google, oidc };
  const authTypes = (['email', 'github', 'google', 'oidc'] as const).filter((t) => enabled[t]);
  return { github, google, oidc, otherProvider, serverUrlIsLocal, emailEnabled, authTypes };
}

export function buildTowerConfig(values: ResolvedValues): TowerConfig {
  const derived = deriveAuth(values);
  const serverUrl = values.str('serverUrl')!;
  return {
    serverUrl,
    serverPath: serverPathOf(serverUrl),
    serverUrlIsLocal: derived.serverUrlIsLocal,
    secureCookies: serverUrl.startsWith('https:'),
    unsafeMode: values.bool('unsafeMode'),
    appName: values.str('appName') ?? 'Seqera',
    contactEmail: values.str('contactEmail'),
    jwtSecret: values.str('jwtSecret')!,
    jwtSecretGenerated: values.get('jwtSecret').source === 'generated',
    rootUsers: values.list('rootUsers'),
    trustProxy: values.num('trustProxy'),
    dataDir: values.str('dataDir')!,
    http: {
      host: values.str('httpHost')!,
      port: values.num('httpPort'),
      platform: values.str('httpPlatform') as HttpPlatform,
    },
    database: {
      url: values.str('dbUrl'),
      directUrl: values.str('dbDirectUrl'),
      migrationsRun: values.bool('dbMigrationsRun'),
      embeddedDir: values.str('dbEmbeddedDir')!,
    },
    smtp: {
      host: values.str('smtpHost'),
      port: values.num('smtpPort'),
      user: values.str('smtpUser'),
      password: values.str('smtpPassword'),
      auth: values.bool('smtpAuth'),
      starttlsEnabled: values.bool('smtpStarttlsEnabled'),
      starttlsRequired: values.bool('smtpStarttlsRequired'),
      sslEnabled: values.bool('smtpSslEnabled'),
      caFile: values.str('smtpCaFile'),
    },
    auth: buildAuth(values, derived),
    ephemeral: {
      duration: values.num('ephemeralDuration'),
      maxBytes: values.num('ephemeralMaxBytes'),
    },
    authTypes: derived.authTypes,
  };
}

function buildAuth(values: ResolvedValues, derived: DerivedAuth): TowerConfig['auth'] {
  return {
    disableEmail: values.bool('disableEmail'),
    emailEnabled: derived.emailEnabled,
    mailDuration: values.num('mailDuration'),
    accessTokenExpiration: values.num('accessTokenExpiration'),
    refreshTokenExpiration: values.num('refreshTokenExpiration'),
    refreshCookieMaxAge: values.num('refreshCookieMaxAge'),
    sessionMaxLifetime: values.num('sessionMaxLifetime'),
    refreshGrace: values.num('refreshGrace'),
    heartbeatInterval: values.num('heartbeatInterval'),
    purgeInterval: values.num('purgeInterval'),
    purgeBatchSize: values.num('purgeBatchSize'),
    auditRetention: values.num('auditRetention'),
    sessionRetention: values.num('sessionRetention'),
    emailAllowList: values.list('emailAllowList'),
    rateLimit: {
      email: { max: values.num('rateLimitEmailMax'), window: values.num('rateLimitEmailWindow') },
      client: {
        max: values.num('rateLimitClientMax'),
        window: values.num('rateLimitClientWindow'),
      },
    },
    outbox: {
      maxAttempts: values.num('outboxMaxAttempts'),
      retryDelay: values.num('outboxRetryDelay'),
      pollInterval: values.num('outboxPollInterval'),
      retention: values.num('outboxRetention'),
    },
    github: buildGithub(values, derived.github),
    google: buildGoogle(values, derived.google),
    oidc: buildOidc(values, derived.oidc),
  };
}

function buildGithub(values: ResolvedValues, enabled: boolean): GithubConfig {
  return {
    enabled,
    clientId: values.str('githubClient'),
    clientSecret: values.str('githubSecret'),
    allowList: values.list('githubAllowList'),
    serverUrl: values.str('githubServerUrl')!,
  };
}

function buildGoogle(values: ResolvedValues, enabled: boolean): GoogleConfig {
  return {
    enabled,
    clientId: values.str('googleClient'),
    clientSecret: values.str('googleSecret'),
    allowList: values.list('googleAllowList'),
    hostedDomain: values.str('googleHostedDomain'),
  };
}

function buildOidc(values: ResolvedValues, enabled: boolean): OidcConfig {
  return {
    enabled,
    clientId: values.str('oidcClient'),
    clientSecret: values.str('oidcSecret'),
    allowList: values.list('oidcAllowList'),
    issuer: values.str('oidcIssuer'),
    scopes: values.list('oidcScopes'),
    tokenAuthMethod: values.str('oidcTokenAuthMethod') as TokenAuthMethod,
    requireVerifiedEmail: values.bool('oidcRequireVerifiedEmail'),
    trustUnverifiedEmail: values.bool('oidcTrustUnverifiedEmail'),
    label: values.str('oidcLabel') ?? 'Sign in with OpenID Connect',
    discoveryTtl: values.num('oidcDiscoveryTtl'),
  };
}
