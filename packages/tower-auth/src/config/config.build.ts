import { isLocalUrl } from '../common/local-url.js';
import type { Resolution } from './config.loader.js';
import type { AuthType, TowerConfig } from './tower-config.types.js';

/** What follows from the settings, at its path in `TowerConfig`. */
export function derive({ values }: Resolution) {
  const both = (provider: 'github' | 'google' | 'oidc'): boolean =>
    values[`auth.${provider}.clientId`] !== null &&
    values[`auth.${provider}.clientSecret`] !== null;
  const oidc = both('oidc') && values['auth.oidc.issuer'] !== null;
  const enabled = { github: both('github'), google: both('google'), oidc };
  const serverUrl = values.serverUrl ?? '';
  const serverUrlIsLocal = isLocalUrl(serverUrl);
  // Development mode (local URL, no SMTP host) keeps e-mail login on and logs the links.
  const mailDeliverable = values['smtp.host'] !== null || serverUrlIsLocal;
  const otherProvider = enabled.github || enabled.google || enabled.oidc;
  const email = !(values['auth.disableEmail'] === true && otherProvider) && mailDeliverable;
  return {
    /**
     * The path of the server URL, no trailing slash: '' for `https://host`, '/v1' for
     * `https://host/v1` (a host's global prefix, or a proxy's). Every path the module hands a
     * browser (cookie paths, page scripts and the URLs they call) starts with it.
     */
    serverPath: URL.canParse(serverUrl) ? new URL(serverUrl).pathname.replace(/\/+$/, '') : '',
    /** True when the server URL's host is localhost / 127.0.0.0/8 / [::1]. */
    serverUrlIsLocal,
    /** True when the server URL is https (cookies get `Secure`). */
    secureCookies: serverUrl.startsWith('https:'),
    /** Effective: e-mail login is offered (off when another login is configured and `disableEmail` is set; on in development mode). */
    'auth.emailEnabled': email,
    /** True when both the client id and the secret (and for OIDC the issuer) are set. */
    'auth.github.enabled': enabled.github,
    'auth.google.enabled': enabled.google,
    'auth.oidc.enabled': enabled.oidc,
    /** The login methods offered, in display order. */
    authTypes: (['email', 'github', 'google', 'oidc'] as const).filter((type) =>
      type === 'email' ? email : enabled[type],
    ) as readonly AuthType[],
  };
}

/** The settings at their paths, and what follows from them. */
export function buildTowerConfig(resolution: Resolution): TowerConfig {
  const flat: Record<string, unknown> = { ...resolution.values, ...derive(resolution) };
  const config: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const names = path.split('.');
    let node = config;
    for (const name of names.slice(0, -1)) node = (node[name] ??= {}) as Record<string, unknown>;
    node[names.at(-1)!] = value;
  }
  return config as TowerConfig;
}
