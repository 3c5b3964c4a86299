import { AuthError } from '../common/auth-error.js';
import * as client from 'openid-client';
import type { Clock } from '../common/clock.js';
import type { TowerConfig } from '../config/tower-config.types.js';
import { normaliseEmail } from '../users/email.js';
import {
  allowsInsecure,
  describeProviderError,
  responseUrl,
  splitName,
  stringClaim,
} from './oauth-client.js';
import { OidcServer, type OidcServerSettings } from './oidc-server.js';
import {
  callbackUrl,
  type CallbackParams,
  type LoginFlow,
  type LoginProvider,
  type ProviderIdentity,
} from './provider.js';

type Claims = Record<string, unknown>;

export type AbsentEmailVerified = 'refuse' | 'separate' | 'trust';

interface UserInfo {
  claims: Claims | null;
  failure: string | null;
}

export interface OidcLoginSettings extends OidcServerSettings {
  id: 'oidc' | 'google';
  enabled: boolean;
  serverUrl: string;
  /** Always contains `openid`. */
  scopes: readonly string[];
  /**
   * What an e-mail that comes without `email_verified` (Entra ID never sends it) is worth:
   * `refuse` the login (Google; `require-verified-email`), admit it as a `separate` user keyed
   * on the identity alone (the generic provider's default), or `trust` it as verified
   * (`trust-unverified-email`). `email_verified: false` is refused whatever this says.
   */
  absentEmailVerified: AbsentEmailVerified;
  /** Google Workspace domain the `hd` claim must name. */
  hostedDomain: string | null;
}

/** The generic OpenID Connect provider (TOWER_OIDC_*): Keycloak, Entra ID, Okta, any. */
export class OidcLogin implements LoginProvider {
  readonly id: 'oidc' | 'google';
  readonly enabled: boolean;
  private readonly server: OidcServer;
  private readonly redirectUri: string;

  constructor(
    private readonly settings: OidcLoginSettings,
    clock: Clock,
  ) {
    this.id = settings.id;
    this.enabled = settings.enabled;
    this.server = new OidcServer(settings, clock);
    this.redirectUri = callbackUrl(settings.serverUrl, settings.id);
  }

  static fromConfig(config: TowerConfig, clock: Clock): OidcLogin {
    const oidc = config.auth.oidc;
    const issuer = oidc.issuer ?? '';
    return new OidcLogin(
      {
        id: 'oidc',
        enabled: oidc.enabled,
        serverUrl: config.serverUrl,
        issuer,
        clientId: oidc.clientId ?? '',
        clientSecret: oidc.clientSecret ?? '',
        tokenAuthMethod: oidc.tokenAuthMethod,
        scopes: oidc.scopes,
        discoveryTtl: oidc.discoveryTtl,
        allowInsecure: allowsInsecure(issuer, config.unsafeMode),
        absentEmailVerified: oidc.requireVerifiedEmail
          ? 'refuse'
          : oidc.trustUnverifiedEmail
            ? 'trust'
            : 'separate',
        hostedDomain: null,
      },
      clock,
    );
  }

  async authorizationUrl(flow: LoginFlow): Promise<URL> {
    const config = await this.server.configuration();
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes.join(' '),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
      ...(this.settings.hostedDomain ? { hd: this.settings.hostedDomain } : {}),
    });
  }

  async finish(params: CallbackParams, flow: LoginFlow): Promise<ProviderIdentity> {
    const config = await this.server.configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, responseUrl(this.redirectUri, params), {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
    } catch (error) {
      throw new AuthError('provider_error', `code exchange: ${describeProviderError(error)}`);
    }
    this.server.remember(config);
    const idToken = tokens.claims();
    if (!idToken) throw new AuthError('provider_error', 'the token response had no id_token');
    this.checkHostedDomain(idToken);
    const userInfo = stringClaim(idToken.email)
      ? { claims: null, failure: null }
      : await this.userInfo(config, tokens.access_token, idToken.sub);
    const identity = this.identity(idToken, userInfo);
    return this.id === 'oidc' ? { ...identity, endSessionHint: tokens.id_token } : identity;
  }

  async endSessionUrl(
    postLogoutRedirectUri: string,
    idTokenHint: string | null,
  ): Promise<URL | null> {
    const config = await this.server.configuration();
    if (!config.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: postLogoutRedirectUri,
      client_id: this.settings.clientId,
      ...(idTokenHint ? { id_token_hint: idTokenHint } : {}),
    });
  }

  /** The id_token had no `email`: ask userinfo. Its failure is fatal only if nothing else helps. */
  private async userInfo(
    config: client.Configuration,
    accessToken: string,
    subject: string,
  ): Promise<UserInfo> {
    if (!config.serverMetadata().userinfo_endpoint) {
      return { claims: null, failure: 'no e-mail in the id_token and no userinfo endpoint' };
    }
    try {
      return { claims: await client.fetchUserInfo(config, accessToken, subject), failure: null };
    } catch (error) {
      return { claims: null, failure: `userinfo: ${describeProviderError(error)}` };
    }
  }

  private checkHostedDomain(idToken: Claims): void {
    const wanted = this.settings.hostedDomain;
    if (!wanted) return;
    const hd = stringClaim(idToken.hd);
    if (hd?.toLowerCase() !== wanted.toLowerCase()) {
      throw new AuthError(
        'not_allowed',
        `the hd claim ${JSON.stringify(hd)} is not the hosted domain ${wanted}`,
      );
    }
  }

  private identity(idToken: Claims, userInfo: UserInfo): ProviderIdentity {
    const extra = userInfo.claims;
    const found = pickEmail(extra ? [idToken, extra] : [idToken]);
    if (!found && userInfo.failure) throw new AuthError('provider_error', userInfo.failure);
    const verdict = found === null ? 'unverified' : this.verdict(found.verifiedClaim);
    const emailVerified = verdict === 'verified';
    const claim = (name: string): string | null =>
      stringClaim(idToken[name]) ?? stringClaim(extra?.[name]);
    const userName = claim('preferred_username');
    // Entra ID sends `name` but no given_name / family_name unless asked to.
    const split = splitName(claim('name'));
    return {
      issuer: String(idToken.iss),
      subject: String(idToken.sub),
      email: found?.email ?? null,
      emailVerified,
      verifiedEmails: found && emailVerified ? [found.email] : [],
      unverifiedEmailAdmitted: verdict === 'separate',
      name: claim('name'),
      avatar: claim('picture'),
      userName: userName && normaliseEmail(userName) === null ? userName : null,
      firstName: claim('given_name') ?? split.firstName,
      lastName: claim('family_name') ?? split.lastName,
    };
  }

  private verdict(claim: unknown): 'verified' | 'unverified' | 'separate' {
    if (claim === true || claim === 'true') return 'verified';
    if (claim === false || claim === 'false') return 'unverified';
    const policy = this.settings.absentEmailVerified;
    return policy === 'trust' ? 'verified' : policy === 'separate' ? 'separate' : 'unverified';
  }
}

/**
 * The e-mail of an OIDC login: the id_token's `email`, else userinfo's, else `preferred_username`,
 * then `upn`, when they are e-mail addresses. `email_verified` is read beside the `email` it came
 * with; it says nothing about a `preferred_username` or `upn`, which therefore count as unclaimed.
 */
export function pickEmail(
  sources: readonly Claims[],
): { email: string; verifiedClaim: unknown } | null {
  for (const name of ['email', 'preferred_username', 'upn']) {
    for (const source of sources) {
      const email = normaliseEmail(source[name]);
      if (email !== null) {
        return { email, verifiedClaim: name === 'email' ? source.email_verified : undefined };
      }
    }
  }
  return null;
}
