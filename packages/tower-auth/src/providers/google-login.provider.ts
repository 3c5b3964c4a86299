import type { Clock } from '../common/clock.js';
import type { TowerConfig } from '../config/tower-config.types.js';
import { allowsInsecure } from './oauth-client.js';
import { OidcLogin } from './oidc-login.provider.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * Google: the OIDC code of the generic provider with Google's issuer. `email_verified` must be
 * true (an absent claim is refused) and, with `tower.auth.google.hosted-domain`, the `hd` claim
 * must name that Workspace domain. The issuer is fixed; only tests pass another one (a local
 * OpenID provider standing in for Google).
 */
export class GoogleLogin extends OidcLogin {
  constructor(config: TowerConfig, clock: Clock, issuer: string = GOOGLE_ISSUER) {
    const google = config.auth.google;
    super(
      {
        id: 'google',
        enabled: google.enabled,
        serverUrl: config.serverUrl,
        issuer,
        clientId: google.clientId ?? '',
        clientSecret: google.clientSecret ?? '',
        tokenAuthMethod: 'client_secret_basic',
        scopes: ['openid', 'email', 'profile'],
        discoveryTtl: config.auth.oidc.discoveryTtl,
        allowInsecure: allowsInsecure(issuer, config.unsafeMode),
        absentEmailVerified: 'refuse',
        hostedDomain: google.hostedDomain,
      },
      clock,
    );
  }
}
