import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KoaContext } from 'oidc-provider';

/** oidc-provider's development notices (runtime, in-memory adapter) are noise in tests. */
function quietly<T>(work: () => T): T {
  const { warn, info } = console;
  const filter =
    (log: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (!String(args[0]).includes('oidc-provider')) log(...args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  const restore = (): void => {
    console.warn = warn;
    console.info = info;
  };
  try {
    const result = work();
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  } catch (error) {
    restore();
    throw error;
  }
}

const { default: Provider } = await quietly(() => import('oidc-provider'));
type Provider = InstanceType<typeof Provider>;

/** Claims of one end-user at the provider (`sub` is the account id). */
export type AccountClaims = Record<string, unknown> & { sub: string };

export interface OidcProviderOptions {
  /**
   * Path of the issuer on the loopback host: '' (Okta org server), '/realms/tower' (Keycloak),
   * '/auth/realms/tower' (Keycloak before 17), '/<tenant>/v2.0' (Entra ID), '/oauth2/default'
   * (Okta custom server).
   */
  issuerPath?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * oidc-provider's own default: with an access token issued, e-mail and profile claims come
   * only from userinfo, not in the id_token (as some providers do).
   */
  claimsOnlyInUserinfo?: boolean;
  /**
   * oidc-provider's own HTML login and consent pages (its devInteractions: the login field is
   * the account's `sub`, any password) instead of the JSON interactions, for a real browser.
   */
  htmlInteractions?: boolean;
}

/** Ways to make the provider misbehave for the negative tests; all off by default. */
export interface Misbehaviour {
  /** Rewrites the discovery document (e.g. another issuer). */
  discovery?: (document: Record<string, unknown>) => Record<string, unknown>;
  /** Rewrites the claims of every issued id_token, which is then re-signed. */
  idToken?: (claims: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Signs id_tokens with a key that is not published: under the published key's `kid`
   * ('same-kid'), or under a `kid` the JWKS does not have ('new-kid').
   */
  foreignSigningKey?: 'same-kid' | 'new-kid';
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

function newKey(kid = randomBytes(6).toString('hex')): SigningKey & { privateJwk: object } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateKey,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function resign(idToken: string, key: SigningKey, rewrite: Misbehaviour['idToken']): string {
  const [, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
  const body = b64(JSON.stringify(rewrite ? rewrite(claims) : claims));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), key.privateKey);
  return `${header}.${body}.${b64(signature)}`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

/**
 * A real OpenID provider (panva's oidc-provider) on loopback, for the login tests. The
 * end-user's login and consent are completed over HTTP by the test: the interaction page
 * answers JSON `{uid, prompt}`, and `POST <interaction>/login` (form `account=<sub>`),
 * `POST <interaction>/consent` and `POST <interaction>/abort` finish it.
 */
export class TestOidcProvider {
  readonly clientId = 'tower-client';
  readonly clientSecret = randomBytes(24).toString('base64url');
  /** Accounts by `sub`; tests add and change them at will. */
  readonly accounts = new Map<string, AccountClaims>();
  /** Provider routes served, in order ('discovery', 'jwks', 'token', 'userinfo', ...). */
  readonly hits: string[] = [];
  misbehave: Misbehaviour = {};
  /** The key oidc-provider itself signs with. */
  private original: SigningKey;
  private signing: SigningKey;
  private published: SigningKey[];
  /** Never published: one under the original key's `kid`, one under its own. */
  private foreign: Record<'same-kid' | 'new-kid', SigningKey>;
  private provider!: Provider;
  private htmlInteractions = false;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly issuerPath: string,
  ) {}

  static async start(options: OidcProviderOptions): Promise<TestOidcProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const issuerPath = options.issuerPath ?? '/realms/tower';
    const op = new TestOidcProvider(server, `http://127.0.0.1:${port}${issuerPath}`, issuerPath);
    op.init(options);
    server.on('request', (req, res) => op.handle(req, res));
    return op;
  }

  /** A new account with these claims (defaults: a verified e-mail and a name); returns it. */
  addAccount(claims: Partial<AccountClaims> = {}): AccountClaims {
    const n = ++this.counter;
    const account: AccountClaims = {
      sub: `user-${n}-${randomBytes(4).toString('hex')}`,
      email: `person-${n}-${randomBytes(3).toString('hex')}@example.com`,
      email_verified: true,
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
      ...claims,
    };
    this.accounts.set(account.sub, account);
    return account;
  }

  /** Publishes a new key and signs every id_token with it from now on. */
  rotateSigningKey(): void {
    this.signing = newKey();
    this.published = [this.signing];
  }

  count(route: string): number {
    return this.hits.filter((hit) => hit === route).length;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private init(options: OidcProviderOptions): void {
    this.htmlInteractions = options.htmlInteractions ?? false;
    const key = newKey();
    this.original = key;
    this.signing = key;
    this.published = [key];
    this.foreign = { 'same-kid': newKey(key.kid), 'new-kid': newKey() };
    this.provider = quietly(() => this.createProvider(key.privateJwk, options));
    this.provider.use((ctx, next) => this.postProcess(ctx, next));
  }

  private createProvider(privateJwk: object, options: OidcProviderOptions): Provider {
    const accounts = this.accounts;
    return new Provider(this.issuer, {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: options.redirectUris,
          post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
          token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      jwks: { keys: [privateJwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified', 'hd'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'upn'],
      },
      conformIdTokenClaims: options.claimsOnlyInUserinfo ?? false,
      features: {
        devInteractions: { enabled: options.htmlInteractions ?? false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx: KoaContext, form: string) => {
            ctx.body = `<!DOCTYPE html><title>Sign out</title>${form}<button form="op.logoutForm" name="logout" value="yes">Sign out</button>`;
          },
        },
      },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) =>
          `${this.issuerPath}/interaction/${interaction.uid}`,
      },
      pkce: { required: () => true },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 3600,
        IdToken: 600,
        Interaction: 600,
        Session: 3600,
      },
      findAccount: (_ctx: unknown, sub: string) => {
        const account = accounts.get(sub);
        return account && { accountId: sub, claims: () => ({ ...account }) };
      },
      renderError: (ctx: KoaContext, out: unknown) => {
        ctx.body = out;
      },
    });
  }

  private async postProcess(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    await next();
    const route = ctx.oidc?.route;
    if (!route) return;
    this.hits.push(route);
    const body = ctx.body as Record<string, unknown> | undefined;
    if (route === 'discovery' && body && this.misbehave.discovery) {
      ctx.body = this.misbehave.discovery({ ...body });
    }
    if (route === 'jwks') ctx.body = { keys: this.published.map((k) => k.publicJwk) };
    if (route === 'token' && typeof body?.id_token === 'string') {
      const foreign = this.misbehave.foreignSigningKey;
      const key = foreign ? this.foreign[foreign] : this.signing;
      if (key !== this.original || this.misbehave.idToken) {
        ctx.body = { ...body, id_token: resign(body.id_token, key, this.misbehave.idToken) };
      }
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.issuer).pathname;
    const interaction = new RegExp(
      `^${this.issuerPath}/interaction/([^/]+)(?:/(login|consent|abort))?$`,
    ).exec(path);
    if (interaction && !this.htmlInteractions) {
      this.interact(req, res, interaction[2]).catch((error: unknown) => {
        res.statusCode = 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: String(error) }));
      });
      return;
    }
    if (!path.startsWith(this.issuerPath)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // Mounted under the issuer path, the way Express's app.use(path, ...) would hand it over.
    if (this.issuerPath) {
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url!.slice(this.issuerPath.length) || '/';
    }
    this.provider.callback()(req, res);
  }

  private async interact(
    req: IncomingMessage,
    res: ServerResponse,
    action: string | undefined,
  ): Promise<void> {
    const details = await this.provider.interactionDetails(req, res);
    if (req.method === 'GET' && action === undefined) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
      return;
    }
    if (req.method !== 'POST') throw new Error('interactions are completed with POST');
    if (action === 'login') {
      const account = (await readForm(req)).get('account') ?? '';
      if (!this.accounts.has(account)) throw new Error(`no account ${account}`);
      await this.provider.interactionFinished(
        req,
        res,
        { login: { accountId: account } },
        { mergeWithLastSubmission: false },
      );
    } else if (action === 'consent') {
      await this.provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await this.grant(details) } },
        { mergeWithLastSubmission: true },
      );
    } else {
      await this.provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
    }
  }

  private async grant(details: Awaited<ReturnType<Provider['interactionDetails']>>) {
    const grant =
      (details.grantId ? await this.provider.Grant.find(details.grantId) : undefined) ??
      new this.provider.Grant({
        accountId: details.session!.accountId!,
        clientId: String(details.params.client_id),
      });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return grant.save();
  }
}
