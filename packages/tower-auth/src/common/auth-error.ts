/**
 * Why a login ends on `/auth?success=false&error=<code>` (docs/module.md, "Errors"). The browser
 * sees the code only; the message and detail of such an error are for the audit log.
 */
export const LOGIN_ERROR_CODES = [
  'access_denied',
  'not_allowed',
  'email_unverified',
  'invalid_state',
  'provider_error',
  'invalid_link',
] as const;

export type LoginErrorCode = (typeof LOGIN_ERROR_CODES)[number];

/** The OAuth token endpoint's codes (RFC 6749 §5.2). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type';

/**
 * Every refusal the module's services throw, by a stable code. Host apps may rely on the codes;
 * the HTTP answer of each is in one table (`http/error-responses.ts`).
 */
export type AuthErrorCode =
  | LoginErrorCode
  | OAuthErrorCode
  /** An access token that is not one of ours, or no longer valid. */
  | 'token_malformed'
  | 'token_invalid'
  | 'token_expired'
  /** A personal access token name the user already has. */
  | 'token_name_taken'
  /** Ephemeral endpoints: content above `tower.ephemeral.max-bytes`, a bad type or lifetime. */
  | 'content_too_large'
  | 'invalid_content_type'
  | 'invalid_duration'
  /** Launch credentials for a user who does not exist or is disabled. */
  | 'unknown_user'
  | 'user_disabled';

/**
 * The one domain error: a stable `code`, a message (shown to the client, except for login
 * codes, whose message is the audit log's reason) and a `detail` for the audit log only.
 * Neither ever holds a token, a password or a link.
 */
export class AuthError<C extends AuthErrorCode = AuthErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string = code,
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const LOGIN_CODES: ReadonlySet<string> = new Set(LOGIN_ERROR_CODES);

export function isLoginErrorCode(code: string): code is LoginErrorCode {
  return LOGIN_CODES.has(code);
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}

/** An AuthError that ends a login (its message is an audit reason, never shown). */
export function isLoginError(error: unknown): error is AuthError<LoginErrorCode> {
  return isAuthError(error) && isLoginErrorCode(error.code);
}
