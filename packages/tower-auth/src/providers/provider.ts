import type { ProviderId } from '../config/tower-config.types.js';

/**
 * What the browser carries (sealed in the flow cookie) from the redirect to the provider until
 * the callback: the checks that bind the answer to this browser and this provider.
 */
export interface LoginFlow {
  provider: ProviderId;
  state: string;
  /** OIDC only; GitHub ignores it. */
  nonce: string;
  codeVerifier: string;
  /** A path on this server to return to after signing in. */
  next: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The authorization response as the callback received it (query string or form body). */
export interface CallbackParams {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

/** Who the provider says signed in. */
export interface ProviderIdentity {
  /** OIDC `iss`; the GitHub server URL. */
  issuer: string;
  /** OIDC `sub`; the GitHub numeric user id. */
  subject: string;
  /** The account e-mail, normalised; null when the provider gave none that is usable. */
  email: string | null;
  /** True only when the provider vouches for `email` (policy is the provider's own). */
  emailVerified: boolean;
  /** Every address the provider vouches for; the allow list admits the login when any matches. */
  verifiedEmails: string[];
  /**
   * The provider did not vouch for `email` and the policy admits the login anyway, as a user of
   * its own keyed on (issuer, subject): the address never links, never verifies the user and
   * never matches a root e-mail entry.
   */
  unverifiedEmailAdmitted?: boolean;
  name: string | null;
  avatar: string | null;
  userName: string | null;
  firstName: string | null;
  lastName: string | null;
  /** OIDC: the id_token, for the provider's end_session_endpoint as `id_token_hint`. */
  endSessionHint?: string;
}

/**
 * One login method behind the registry (GitHub, Google, the generic OIDC provider). Every
 * protocol step goes through openid-client; implementations throw AuthError with a login code
 * (`provider_error` for anything unexpected); its message goes to the audit log only.
 */
export interface LoginProvider {
  readonly id: ProviderId;
  /** Configured: both the client id and the secret are set (and the issuer, for OIDC). */
  readonly enabled: boolean;
  /** Where to send the browser to sign in; `redirect_uri` is `${serverUrl}/oauth/callback/<id>`. */
  authorizationUrl(flow: LoginFlow): Promise<URL>;
  /** Redeems the callback: code exchange, token checks, profile. */
  finish(callbackParams: CallbackParams, flow: LoginFlow): Promise<ProviderIdentity>;
  /** The provider's sign-out page returning to `postLogoutRedirectUri`, when it has one. */
  endSessionUrl?(postLogoutRedirectUri: string, idTokenHint: string | null): Promise<URL | null>;
}

/** `${serverUrl}/oauth/callback/<id>`: what the operator registers at the provider. */
export function callbackUrl(serverUrl: string, id: ProviderId): string {
  return `${serverUrl}/oauth/callback/${id}`;
}
