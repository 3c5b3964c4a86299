import { z } from 'zod';
import { AUTH_TYPES, dateTime, ROLES } from './fields.js';
import { named } from './shapes.js';
import { LOGIN_ERROR_CODES } from '../common/auth-error.js';

/** The shapes of the answers every part of the API shares: errors, tokens, the user. */

export const ErrorBody = named(
  'Error',
  z
    .object({
      statusCode: z.int().describe('The HTTP status, repeated'),
      error: z.string().describe('The reason phrase, or a stable code'),
      message: z.string().describe('What went wrong, in plain words; never a secret'),
      // Present when the host gave the request an id (the service always does).
      requestId: z.string().optional().describe('The X-Request-Id the log lines carry'),
    })
    .describe('Every error of the API. A 5xx never carries internals.'),
);

export const OAuthError = named(
  'OAuthError',
  ErrorBody.extend({
    error: z.enum(['invalid_request', 'unsupported_grant_type', 'invalid_grant']),
    error_description: z.string(),
  }).describe('An OAuth 2 token-endpoint error (RFC 6749 §5.2) in the JSON error body.'),
);

export const LoginFailureBody = named(
  'LoginFailure',
  ErrorBody.extend({ error: z.enum(LOGIN_ERROR_CODES) }).describe(
    'A failed login answered to a JSON client (`Accept: application/json`).',
  ),
);

export const Health = named(
  'Health',
  z.object({ status: z.literal('ok'), database: z.literal('up') }),
);

export const TokenResponseBody = named(
  'TokenResponse',
  z
    .object({
      access_token: z.string().describe('HS256 JWT; send as `Authorization: Bearer`'),
      token_type: z.literal('Bearer'),
      expires_in: z.int().describe('Seconds the access token is valid'),
      refresh_token: z.string().describe('Opaque; single use (rotated by every refresh)'),
      username: z.string(),
      roles: z.array(z.enum(ROLES)),
    })
    .describe('The token body (Micronaut-compatible): what Nextflow and other API clients keep.'),
);

export const LoggedOut = named('LoggedOut', z.object({ loggedOut: z.literal(true) }));

export const UserInfoBody = named(
  'UserInfo',
  z.object({
    id: z.int().describe('Numeric user id'),
    userName: z.string(),
    email: z.string().meta({ format: 'email' }),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    avatar: z.string().nullable(),
    lastAccess: dateTime.nullable(),
    dateCreated: dateTime,
    lastUpdated: dateTime,
  }),
);

export const UserInfoResponse = named(
  'UserInfoResponse',
  z.object({ user: UserInfoBody, needConsent: z.literal(false) }),
);

export const ServiceInfoBody = named(
  'ServiceInfo',
  z.object({
    serviceInfo: z.object({
      version: z.string(),
      appName: z.string(),
      serverUrl: z.url(),
      authTypes: z.array(z.enum(AUTH_TYPES)),
      loginPath: z
        .string()
        .describe(
          'Where a login starts, relative to `serverUrl`: `/oauth/login/oidc` when OIDC is the only login method, else `/auth`',
        ),
      heartbeatInterval: z.int().describe('Seconds between browser refreshes'),
      logoutUrl: z.url(),
      contactEmail: z.string().nullable(),
      oidcLabel: z.string().nullable().describe('The OIDC button label, when OIDC is on'),
    }),
  }),
);

export const SessionSummaryBody = named(
  'SessionSummary',
  z.object({
    session: z.object({
      provider: z.string().describe('The login method: email, github, google or oidc'),
      expiresAt: dateTime.describe('Ends unless refreshed before (idle timeout)'),
      absoluteExpiresAt: dateTime.describe('Ends however often it is refreshed'),
    }),
    roles: z.array(z.enum(ROLES)).readonly(),
  }),
);

const GRANT_FIELD = { error: 'grant_type and refresh_token must be single strings' };

/** No body at all is a grant without fields: the refresh token then comes from the cookie. */
export const RefreshGrant = named(
  'RefreshGrant',
  z
    .preprocess(
      (body) => (body === undefined || body === null || body === '' ? {} : body),
      z.object(
        {
          grant_type: z
            .string(GRANT_FIELD)
            .nullish()
            .meta({ enum: ['refresh_token'] }),
          refresh_token: z.string(GRANT_FIELD).nullish(),
        },
        { error: 'The body must be a form or a JSON object' },
      ),
    )
    .describe('Optional: without a refresh_token the `JWT_REFRESH_TOKEN` cookie is used.'),
);
export type Grant = z.output<typeof RefreshGrant>;
