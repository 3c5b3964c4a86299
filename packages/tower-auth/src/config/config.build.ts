import { KEY_SPECS } from './config.keys.js';
import type { ResolvedValues } from './config.resolve.js';
import type { AuthType, TowerConfig } from './tower-config.types.js';

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: plain http is fine and dev shortcuts apply. */
export function isLocalUrl(url: string | null): boolean {
  if (url === null || !URL.canParse(url)) return false;
  const host = new URL(url).hostname.toLowerCase();
  return /^(.+\.)?localhost$|^127(\.\d{1,3}){3}$|^\[::1\]$/.test(host);
}

export type DerivedAuth = ReturnType<typeof deriveAuth>;

export function deriveAuth(values: ResolvedValues) {
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
    serverPath: new URL(serverUrl).pathname.replace(/\/+$/, ''),
    serverUrlIsLocal: derived.serverUrlIsLocal,
    secureCookies: serverUrl.startsWith('https:'),
    jwtSecretGenerated: values.get('jwtSecret').entry.source === 'generated',
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
