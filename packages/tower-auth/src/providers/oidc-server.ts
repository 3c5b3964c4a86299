import { AuthError } from '../common/auth-error.js';
import * as client from 'openid-client';
import type { Clock } from '../common/clock.js';
import type { TokenAuthMethod } from '../config/tower-config.types.js';
import { CLOCK_TOLERANCE, PROVIDER_TIMEOUT, describeProviderError } from './oauth-client.js';

export interface OidcServerSettings {
  /** Exactly as configured: the discovered `issuer` must be this string, byte for byte. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  tokenAuthMethod: TokenAuthMethod;
  /** Seconds a discovery document is reused. */
  discoveryTtl: number;
  allowInsecure: boolean;
}

interface Discovered {
  metadata: client.ServerMetadata;
  fetchedAt: number;
}

/**
 * One OpenID provider as openid-client sees it: discovery cached for the TTL, and a
 * Configuration per login that checks the id_token signature against the provider's JWKS.
 *
 * openid-client keeps a JWKS copy for five minutes but fetches it again for an unknown `kid`
 * only once its copy is a minute old, so a provider that rotates its key and signs with the new
 * one at once would fail every login for up to a minute. Each login therefore gets its own
 * Configuration: when the token response names a `kid` the shared copy lacks, the copy is not
 * handed to it and openid-client fetches the JWKS again before checking the signature.
 */
export class OidcServer {
  private discovered: Discovered | null = null;
  private discovering: Promise<Discovered> | null = null;
  private jwks: client.ExportedJWKSCache | undefined;

  constructor(
    private readonly settings: OidcServerSettings,
    private readonly clock: Clock,
  ) {}

  /** The discovered metadata (cached for the TTL); throws AuthError. */
  async metadata(): Promise<client.ServerMetadata> {
    const ttl = this.settings.discoveryTtl * 1000;
    const current = this.discovered;
    if (current && this.clock.now() - current.fetchedAt < ttl) return current.metadata;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = null;
    });
    return (await this.discovering).metadata;
  }

  /** A Configuration for one login (see the class comment). */
  async configuration(): Promise<client.Configuration> {
    const metadata = await this.metadata();
    const { clientId, clientSecret } = this.settings;
    const config = new client.Configuration(
      metadata,
      clientId,
      { client_secret: clientSecret, [client.clockTolerance]: CLOCK_TOLERANCE },
      this.clientAuth(),
    );
    if (this.settings.allowInsecure) client.allowInsecureRequests(config);
    client.enableNonRepudiationChecks(config);
    config.timeout = PROVIDER_TIMEOUT;
    const tokenEndpoint = metadata.token_endpoint && new URL(metadata.token_endpoint).href;
    config[client.customFetch] = async (url, options) => {
      const response = await fetch(url, options);
      if (this.jwks && options.method === 'POST' && new URL(url).href === tokenEndpoint) {
        const kid = await idTokenKid(response.clone());
        if (kid === undefined || this.jwks.jwks.keys.some((key) => key.kid === kid)) {
          client.setJwksCache(config, this.jwks);
        }
      }
      return response;
    };
    return config;
  }

  /** Keeps the JWKS a finished login fetched or used, for the next one. */
  remember(config: client.Configuration): void {
    this.jwks = client.getJwksCache(config) ?? this.jwks;
  }

  private clientAuth(): client.ClientAuth {
    const { clientSecret, tokenAuthMethod } = this.settings;
    return tokenAuthMethod === 'client_secret_post'
      ? client.ClientSecretPost(clientSecret)
      : client.ClientSecretBasic(clientSecret);
  }

  private async discover(): Promise<Discovered> {
    const { issuer, clientId, allowInsecure } = this.settings;
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(issuer), clientId, undefined, undefined, {
        execute: allowInsecure ? [client.allowInsecureRequests] : [],
        timeout: PROVIDER_TIMEOUT,
      });
    } catch (error) {
      throw new AuthError(
        'provider_error',
        `discovery of ${issuer}: ${describeProviderError(error)}`,
      );
    }
    // openid-client compares URLs, so `https://host` and `https://host/` pass; the configured
    // issuer must be the very string (no slash trimming): an id_token's `iss` is compared as a
    // string too.
    const metadata = JSON.parse(JSON.stringify(config.serverMetadata())) as client.ServerMetadata;
    if (metadata.issuer !== issuer) {
      throw new AuthError(
        'provider_error',
        `discovery of ${issuer}: the provider names its issuer ${JSON.stringify(metadata.issuer)}`,
      );
    }
    const discovered = { metadata, fetchedAt: this.clock.now() };
    this.discovered = discovered;
    this.jwks = undefined;
    return discovered;
  }
}

/** The `kid` of the id_token in a token response, if any. */
async function idTokenKid(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { id_token?: unknown };
    if (typeof body.id_token !== 'string') return undefined;
    const header = JSON.parse(Buffer.from(body.id_token.split('.')[0], 'base64url').toString()) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
