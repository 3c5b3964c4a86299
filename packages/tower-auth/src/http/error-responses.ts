import type { AuthError, AuthErrorCode } from '../common/auth-error.js';

/** Every error leaves as this JSON; some add fields (`error_description`, `requestId`). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

/**
 * How an AuthError reads on the wire:
 * - `plain`: `{statusCode, error: <reason phrase>, message}`;
 * - `oauth`: the token endpoint's RFC 6749 §5.2 body `{error: <code>, error_description}`
 *   (with `statusCode` and `message` too, like every error here);
 * - `login`: a browser is redirected to `/auth?success=false&error=<code>`, a JSON client gets
 *   `{statusCode: 401, error: <code>, message}`; the message is the fixed one below, never the
 *   error's own (that is the audit log's reason).
 */
export type AuthErrorShape = 'plain' | 'oauth' | 'login';

export interface AuthErrorResponse {
  status: number;
  shape: AuthErrorShape;
  /** Shown instead of the error's message: login codes, and token refusals that say no more. */
  message?: string;
}

const login = (message: string): AuthErrorResponse => ({ status: 401, shape: 'login', message });
const oauth: AuthErrorResponse = { status: 400, shape: 'oauth' };
const plain = (status: number, message?: string): AuthErrorResponse => ({
  status,
  shape: 'plain',
  message,
});

/** What a refused token's 401 says: no more, whatever the reason (the guard says the same). */
export const TOKEN_REFUSED = {
  invalid: 'Invalid access token',
  expired: 'Access token expired',
} as const;

/** Every code's HTTP answer: the one place an AuthError becomes a status and a body. */
export const AUTH_ERROR_RESPONSES: Readonly<Record<AuthErrorCode, AuthErrorResponse>> = {
  access_denied: login('The sign-in was cancelled or refused at the provider'),
  not_allowed: login('This account is not allowed to sign in'),
  email_unverified: login('The provider has not verified the e-mail address of this account'),
  invalid_state: login('The sign-in attempt expired or did not start here; please start again'),
  provider_error: login('The sign-in provider could not complete the sign-in; please try again'),
  invalid_link: login('The sign-in link is invalid, expired or already used'),
  invalid_request: oauth,
  invalid_grant: oauth,
  unsupported_grant_type: oauth,
  token_malformed: plain(401, TOKEN_REFUSED.invalid),
  token_invalid: plain(401, TOKEN_REFUSED.invalid),
  token_expired: plain(401, TOKEN_REFUSED.expired),
  token_name_taken: plain(409),
  content_too_large: plain(413),
  invalid_content_type: plain(400),
  invalid_duration: plain(400),
  unknown_user: plain(404),
  user_disabled: plain(403),
};

/** The body of an AuthError answered as JSON (a login one included, for a JSON client). */
export function authErrorBody(error: AuthError): ErrorBody {
  const { status, shape, message = error.message } = AUTH_ERROR_RESPONSES[error.code];
  if (shape === 'oauth') {
    return { statusCode: status, error: error.code, error_description: message, message };
  }
  return { statusCode: status, error: shape === 'login' ? error.code : reason(status), message };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The `error` field of a plain body: the status's reason phrase. */
export function reason(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Error');
}
