import * as client from 'openid-client';
import { isLocalUrl } from '../common/local-url.js';
import type { CallbackParams } from './provider.js';

/** Seconds openid-client waits for any provider request. */
export const PROVIDER_TIMEOUT = 10;

/** Seconds of `exp`, `iat` and `nbf` tolerance for a provider's tokens. */
export const CLOCK_TOLERANCE = 30;

const MAX_REASON = 300;

/**
 * openid-client refuses plain http endpoints; they are allowed only for a loopback provider or in
 * unsafe mode (`TOWER_ENABLE_UNSAFE_MODE`), the same rule the configuration applies to an http
 * issuer.
 */
export function allowsInsecure(url: string, unsafeMode: boolean): boolean {
  return unsafeMode || (url.startsWith('http:') && isLocalUrl(url));
}

/** The redirect URI with the authorization response parameters, as openid-client expects it. */
export function responseUrl(redirectUri: string, params: CallbackParams): URL {
  const url = new URL(redirectUri);
  for (const key of ['code', 'state', 'iss', 'error', 'error_description'] as const) {
    const value = params[key];
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url;
}

function clip(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

/**
 * A failure as the audit log should see it: the OAuth error code and description, or the
 * openid-client check that failed (and which claim), or the network error code. Never a token,
 * a code or a response body.
 */
export function describeProviderError(error: unknown): string {
  if (error instanceof client.ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return clip(`${error.error}${description} (HTTP ${error.status})`);
  }
  if (error instanceof client.AuthorizationResponseError) {
    return clip(`${error.error}${error.error_description ? `: ${error.error_description}` : ''}`);
  }
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  const parts = [typeof code === 'string' ? code : error.name, error.message];
  // openid-client wraps oauth4webapi's error, whose cause names the failed check.
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; depth < 3 && typeof cause === 'object' && cause !== null; depth++) {
    const { claim, attribute, code: causeCode, body } = cause as Record<string, unknown>;
    if (cause instanceof Error && !parts.includes(cause.message)) parts.push(cause.message);
    // An OAuth error in a 200 body (GitHub answers a bad code that way): its code only.
    const bodyError = (body as { error?: unknown } | undefined)?.error;
    if (typeof bodyError === 'string') parts.push(`error=${bodyError.slice(0, 100)}`);
    if (typeof claim === 'string') parts.push(`claim ${claim}`);
    if (typeof attribute === 'string') parts.push(`attribute ${attribute}`);
    if (typeof causeCode === 'string' && !parts.includes(causeCode)) parts.push(causeCode);
    cause = (cause as { cause?: unknown }).cause;
  }
  return clip(parts.join(': '));
}

/** "Ada King Lovelace" → first "Ada", last "King Lovelace". */
export function splitName(name: string | null): {
  firstName: string | null;
  lastName: string | null;
} {
  const words = name?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length === 0) return { firstName: null, lastName: null };
  return { firstName: words[0], lastName: words.length > 1 ? words.slice(1).join(' ') : null };
}

export function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}
