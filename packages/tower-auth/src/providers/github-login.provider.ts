import { AuthError } from '../common/auth-error.js';
import * as client from 'openid-client';
import type { TowerConfig } from '../config/tower-config.types.js';
import { normaliseEmail } from '../users/email.js';
import {
  PROVIDER_TIMEOUT,
  allowsInsecure,
  describeProviderError,
  responseUrl,
  splitName,
  stringClaim,
} from './oauth-client.js';
import {
  callbackUrl,
  type CallbackParams,
  type LoginFlow,
  type LoginProvider,
  type ProviderIdentity,
} from './provider.js';

export const GITHUB_SCOPES = 'read:user user:email';

export interface GithubEndpoints {
  authorization: string;
  token: string;
  /** REST API base: https://api.github.com, or `<server>/api/v3` for GitHub Enterprise Server. */
  api: string;
}

/** github.com, or a GitHub Enterprise Server at `serverUrl` (no trailing slash). */
export function githubEndpoints(serverUrl: string): GithubEndpoints {
  const api = serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`;
  return {
    authorization: `${serverUrl}/login/oauth/authorize`,
    token: `${serverUrl}/login/oauth/access_token`,
    api,
  };
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub (OAuth 2, not OIDC): authorization code with state and PKCE, then the profile from
 * `/user` and the addresses from `/user/emails`. Only verified addresses count: the account
 * e-mail is the primary one when it is verified (else the first verified one), and the allow
 * list admits the login when any verified address matches.
 */
export class GithubLogin implements LoginProvider {
  readonly id = 'github' as const;
  readonly enabled: boolean;
  private readonly endpoints: GithubEndpoints;
  private readonly redirectUri: string;
  private readonly insecure: boolean;

  constructor(private readonly config: TowerConfig) {
    const github = config.auth.github;
    this.enabled = github.enabled;
    this.endpoints = githubEndpoints(github.serverUrl);
    this.redirectUri = callbackUrl(config.serverUrl, 'github');
    this.insecure = allowsInsecure(github.serverUrl, config.unsafeMode);
  }

  async authorizationUrl(flow: LoginFlow): Promise<URL> {
    return client.buildAuthorizationUrl(this.configuration(), {
      redirect_uri: this.redirectUri,
      scope: GITHUB_SCOPES,
      state: flow.state,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  async finish(params: CallbackParams, flow: LoginFlow): Promise<ProviderIdentity> {
    const config = this.configuration();
    let accessToken: string;
    try {
      const tokens = await client.authorizationCodeGrant(
        config,
        responseUrl(this.redirectUri, params),
        { pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state },
      );
      accessToken = tokens.access_token;
    } catch (error) {
      throw new AuthError('provider_error', `code exchange: ${describeProviderError(error)}`);
    }
    const user = (await this.api(config, accessToken, '/user')) as Record<string, unknown>;
    const emails = await this.api(config, accessToken, '/user/emails');
    return this.identity(user, Array.isArray(emails) ? (emails as unknown[]) : []);
  }

  private configuration(): client.Configuration {
    const { clientId, clientSecret, serverUrl } = this.config.auth.github;
    const config = new client.Configuration(
      {
        issuer: serverUrl,
        authorization_endpoint: this.endpoints.authorization,
        token_endpoint: this.endpoints.token,
      },
      clientId ?? '',
      clientSecret ?? '',
      client.ClientSecretPost(clientSecret ?? ''),
    );
    if (this.insecure) client.allowInsecureRequests(config);
    config.timeout = PROVIDER_TIMEOUT;
    return config;
  }

  private async api(config: client.Configuration, token: string, path: string): Promise<unknown> {
    try {
      const response = await client.fetchProtectedResource(
        config,
        token,
        new URL(`${this.endpoints.api}${path}`),
        'GET',
        undefined,
        new Headers({
          accept: 'application/vnd.github+json',
          'user-agent': 'tower-auth',
          'x-github-api-version': '2022-11-28',
        }),
      );
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await response.json();
    } catch (error) {
      throw new AuthError('provider_error', `GitHub API ${path}: ${describeProviderError(error)}`);
    }
  }

  private identity(user: Record<string, unknown>, emails: unknown[]): ProviderIdentity {
    if (typeof user.id !== 'number' && typeof user.id !== 'string') {
      throw new AuthError('provider_error', 'GitHub API /user: no user id');
    }
    const verified = emails
      .filter((e): e is GithubEmail => isGithubEmail(e) && e.verified === true)
      .map((e) => ({ email: normaliseEmail(e.email), primary: e.primary === true }))
      .filter((e): e is { email: string; primary: boolean } => e.email !== null);
    const account = verified.find((e) => e.primary) ?? verified[0] ?? null;
    const name = stringClaim(user.name);
    return {
      issuer: this.config.auth.github.serverUrl,
      subject: String(user.id),
      email: account?.email ?? null,
      emailVerified: account !== null,
      verifiedEmails: verified.map((e) => e.email),
      name,
      avatar: stringClaim(user.avatar_url),
      userName: stringClaim(user.login),
      ...splitName(name),
    };
  }
}

function isGithubEmail(value: unknown): value is GithubEmail {
  return (
    typeof value === 'object' && value !== null && typeof (value as GithubEmail).email === 'string'
  );
}
