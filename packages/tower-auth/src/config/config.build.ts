import { KEY_SPECS } from './config.keys.js';
import type { ResolvedValues } from './config.resolve.js';
import type { AuthType, TowerConfig } from './tower-config.types.js';

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
  const both = (provider: 'github' | 'google' | 'oidc'): boolean =>
    values.isSet(`auth.${provider}.clientId`) && values.isSet(`auth.${provider}.clientSecret`);
  const [github, google] = [both('github'), both('google')];
  const oidc = both('oidc') && values.isSet('auth.oidc.issuer');
  const otherProvider = github || google || oidc;
  const serverUrlIsLocal = isLocalUrl(values.str('serverUrl'));
  // Development mode (local URL, no SMTP host) keeps e-mail login on and logs the links.
  const mailDeliverable = values.isSet('smtp.host') || serverUrlIsLocal;
  const emailEnabled = !(values.bool('auth.disableEmail') && otherProvider) && mailDeliverable;
  const enabled: Record<AuthType, boolean> = { email: emailEnabled, github, google, oidc };
  const authTypes = (['email', 'github', 'google', 'oidc'] as const).filter((t) => enabled[t]);
  return { github, google, oidc, otherProvider, serverUrlIsLocal, emailEnabled, authTypes };
}

/** The settings at their paths, and what follows from them. */
export function buildTowerConfig(values: ResolvedValues): TowerConfig {
  const derived = deriveAuth(values);
  const serverUrl = values.str('serverUrl')!;
  const flat: Record<string, unknown> = {
    ...Object.fromEntries(KEY_SPECS.map((spec) => [spec.id, values.get(spec.id).value])),
    serverPath: serverPathOf(serverUrl),
    serverUrlIsLocal: derived.serverUrlIsLocal,
    secureCookies: serverUrl.startsWith('https:'),
    jwtSecretGenerated: values.get('jwtSecret').source === 'generated',
    'auth.emailEnabled': derived.emailEnabled,
    'auth.github.enabled': derived.github,
    'auth.google.enabled': derived.google,
    'auth.oidc.enabled': derived.oidc,
    authTypes: derived.authTypes,
  };
  const config: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const names = path.split('.');
    let node = config;
    for (const name of names.slice(0, -1)) node = (node[name] ??= {}) as Record<string, unknown>;
    node[names.at(-1)!] = value;
  }
  return config as TowerConfig;
}
