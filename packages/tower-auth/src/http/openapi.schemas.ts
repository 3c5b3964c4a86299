import type { ReferenceObject, SchemaObject, SecuritySchemeObject } from './openapi.metadata.js';
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from './cookies.js';
import { LOGIN_ERROR_CODES } from '../common/auth-error.js';

/**
 * The shapes of the HTTP API, written out by hand: with swc there is no Swagger CLI plugin, so
 * nothing is inferred from TypeScript types. OpenAPI 3.1 (JSON Schema 2020-12: a nullable
 * value is `type: [T, 'null']`). Controllers refer to these by name (`schemaRef`).
 */

/** Security scheme names of the document. */
export const SECURITY = {
  bearer: 'bearer',
  accessCookie: 'accessCookie',
  refreshCookie: 'refreshCookie',
  personalToken: 'personalToken',
  personalTokenBasic: 'personalTokenBasic',
} as const;

export const SECURITY_SCHEMES: Record<string, SecuritySchemeObject> = {
  [SECURITY.bearer]: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'The access token (HS256 JWT) of a session: `Authorization: Bearer <token>`. Wins over the cookie when both come.',
  },
  [SECURITY.accessCookie]: {
    type: 'apiKey',
    in: 'cookie',
    name: ACCESS_COOKIE,
    description: `The access token in the \`${ACCESS_COOKIE}\` cookie (Path: the server URL's path, \`/\` for a root URL; HttpOnly, SameSite=Lax) that a browser login sets. State-changing requests it authenticates must come from this origin (Origin / Sec-Fetch-Site), otherwise 403.`,
  },
  [SECURITY.refreshCookie]: {
    type: 'apiKey',
    in: 'cookie',
    name: REFRESH_COOKIE,
    description: `The opaque refresh token in the \`${REFRESH_COOKIE}\` cookie (Path ${REFRESH_COOKIE_PATH} under the server URL's path, HttpOnly, SameSite=Lax); rotated by every refresh.`,
  },
  [SECURITY.personalToken]: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'tat_<id>_<secret>',
    description:
      "A personal access token (`POST /tokens`, Nextflow's and tw's `TOWER_ACCESS_TOKEN`): `Authorization: Bearer tat_…`. Never a refresh token. Refused (403) by the routes that manage tokens.",
  },
  [SECURITY.personalTokenBasic]: {
    type: 'http',
    scheme: 'basic',
    description:
      'A personal access token as older Nextflow versions send it: HTTP Basic with the user `@token` and the token as the password.',
  },
};

const string: SchemaObject = { type: 'string' };
const nullableString: SchemaObject = { type: ['string', 'null'] };
const integer: SchemaObject = { type: 'integer' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };

function object(
  properties: Record<string, SchemaObject | ReferenceObject>,
  description?: string,
): SchemaObject {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
  };
}

const AUTH_TYPES = ['email', 'github', 'google', 'oidc'];
const ROLES = ['user', 'root'];

const userInfo = object({
  id: { ...integer, description: 'Numeric user id' },
  userName: string,
  email: { ...string, format: 'email' },
  firstName: nullableString,
  lastName: nullableString,
  avatar: nullableString,
  lastAccess: { type: ['string', 'null'], format: 'date-time' },
  dateCreated: dateTime,
  lastUpdated: dateTime,
});

const accessToken = object({
  id: { ...integer, description: 'The token id (`tokenId`)' },
  name: string,
  dateCreated: dateTime,
  lastUsed: {
    type: ['string', 'null'],
    format: 'date-time',
    description: 'Recorded at most once a minute per instance',
  },
});

const error = object(
  {
    statusCode: { ...integer, description: 'The HTTP status, repeated' },
    error: { ...string, description: 'The reason phrase, or a stable code' },
    message: { ...string, description: 'What went wrong, in plain words; never a secret' },
  },
  'Every error of the API. A 5xx never carries internals.',
);
// Optional: present when the host gave the request an id (the service always does).
error.properties = {
  ...error.properties,
  requestId: { ...string, description: 'The X-Request-Id the log lines of the request carry' },
};

const tokenResponse = object(
  {
    access_token: { ...string, description: 'HS256 JWT; send as `Authorization: Bearer`' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { ...integer, description: 'Seconds the access token is valid' },
    refresh_token: { ...string, description: 'Opaque; single use (rotated by every refresh)' },
    username: string,
    roles: { type: 'array', items: { type: 'string', enum: ROLES } },
  },
  'The token body (Micronaut-compatible): what Nextflow and other API clients keep.',
);

const purgeCounts: SchemaObject = {
  type: 'object',
  description: 'Rows deleted per table',
  additionalProperties: integer,
};

export const OPENAPI_SCHEMAS = {
  Error: error,
  OAuthError: {
    allOf: [
      { $ref: '#/components/schemas/Error' },
      object({
        error: {
          type: 'string',
          enum: ['invalid_request', 'unsupported_grant_type', 'invalid_grant'],
        },
        error_description: string,
      }),
    ],
    description: 'An OAuth 2 token-endpoint error (RFC 6749 §5.2) in the JSON error body.',
  },
  LoginFailure: {
    allOf: [
      { $ref: '#/components/schemas/Error' },
      object({
        error: {
          type: 'string',
          enum: [...LOGIN_ERROR_CODES],
        },
      }),
    ],
    description: 'A failed login answered to a JSON client (`Accept: application/json`).',
  },
  Health: object({
    status: { type: 'string', enum: ['ok'] },
    database: { type: 'string', enum: ['up'] },
  }),
  ServiceInfo: object({
    serviceInfo: object({
      version: string,
      appName: string,
      serverUrl: { ...string, format: 'uri' },
      authTypes: { type: 'array', items: { type: 'string', enum: AUTH_TYPES } },
      loginPath: {
        ...string,
        description:
          'Where a login starts, relative to `serverUrl`: `/oauth/login/oidc` when OIDC is the only login method, else `/auth`',
      },
      heartbeatInterval: { ...integer, description: 'Seconds between browser refreshes' },
      logoutUrl: { ...string, format: 'uri' },
      contactEmail: nullableString,
      oidcLabel: { ...nullableString, description: 'The OIDC button label, when OIDC is on' },
    }),
  }),
  TokenResponse: tokenResponse,
  RefreshGrant: {
    type: 'object',
    description: 'Optional: without a refresh_token the `JWT_REFRESH_TOKEN` cookie is used.',
    properties: {
      grant_type: { type: 'string', enum: ['refresh_token'] },
      refresh_token: string,
    },
  },
  LoggedOut: object({ loggedOut: { type: 'boolean', enum: [true] } }),
  UserInfo: userInfo,
  UserInfoResponse: object({
    user: { $ref: '#/components/schemas/UserInfo' },
    needConsent: { type: 'boolean', enum: [false] },
  }),
  MagicLinkRequest: object({ email: { ...string, format: 'email', maxLength: 320 } }),
  MagicLinkRequested: object(
    { state: { type: 'integer', enum: [0] } },
    'The same answer for known, new and refused addresses.',
  ),
  MagicLinkRedeem: object({
    username: { ...string, description: 'The `uid` of the sign-in link' },
    password: { ...string, description: 'The `token` of the sign-in link' },
  }),
  ProviderCallback: {
    type: 'object',
    description: 'The authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`).',
    properties: {
      code: string,
      state: string,
      iss: string,
      error: string,
      error_description: string,
    },
  },
  EphemeralCreate: {
    type: 'object',
    properties: {
      content: string,
      contentType: { ...string, description: 'Served with the content; default text/plain' },
      extension: { type: 'string', enum: ['json', 'yml', 'yaml'] },
      duration: {
        type: ['integer', 'string'],
        description: 'Seconds, or a duration like `30m`; default tower.ephemeral.duration',
      },
    },
    required: ['content'],
  },
  EphemeralEndpoint: object({
    id: { ...string, description: '22 base64url characters' },
    url: { ...string, format: 'uri', description: 'Fetch it once; under /api when created there' },
    expiresAt: dateTime,
  }),
  UserPage: object({
    users: { type: 'array', items: { $ref: '#/components/schemas/UserInfo' } },
    total: integer,
  }),
  AuditEvent: object({
    id: { ...string, description: 'bigint, as a string' },
    type: { ...string, description: 'e.g. login_success, login_failure, refresh_token_reused' },
    userId: nullableString,
    provider: nullableString,
    ipAddress: nullableString,
    detail: { type: 'object', additionalProperties: true },
    createdAt: dateTime,
  }),
  AuditPage: object({
    events: { type: 'array', items: { $ref: '#/components/schemas/AuditEvent' } },
    total: integer,
  }),
  SessionSummary: object({
    session: object({
      provider: { type: 'string', enum: AUTH_TYPES, description: 'The login method' },
      expiresAt: { ...dateTime, description: 'Ends unless refreshed before (idle timeout)' },
      absoluteExpiresAt: { ...dateTime, description: 'Ends however often it is refreshed' },
    }),
    roles: { type: 'array', items: { type: 'string', enum: ROLES } },
  }),
  AccessToken: accessToken,
  AccessTokenList: object({
    tokens: { type: 'array', items: { $ref: '#/components/schemas/AccessToken' } },
  }),
  AccessTokenCreate: {
    type: 'object',
    properties: {
      name: {
        ...string,
        pattern: '^[A-Za-z0-9._-]{1,50}$',
        description: 'Unique among your tokens, case-insensitively',
      },
      expiresAt: { ...dateTime, description: 'When it stops working (default: never)' },
      duration: {
        type: ['string', 'integer'],
        description: 'Or how long it works: `30d`, `12h`, `PT1H` or seconds',
      },
    },
    required: ['name'],
  },
  AccessTokenCreated: object({
    accessKey: {
      ...string,
      pattern: '^tat_[1-9][0-9]*_[A-Za-z0-9_-]{43}$',
      description: 'The token: shown this once, never again',
    },
    token: { $ref: '#/components/schemas/AccessToken' },
  }),
  SessionsRevoked: object({ revoked: { ...integer, description: 'Sessions ended' } }),
  PurgeResult: object({
    ran: { type: 'boolean', enum: [true] },
    counts: purgeCounts,
    total: integer,
    durationMs: integer,
    failed: {
      type: 'array',
      items: string,
      description: 'Tables whose batch failed; the next run tries them again',
    },
  }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof OPENAPI_SCHEMAS;

export function schemaRef(name: SchemaName): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** Tags, in the order the browsable page shows them. */
export const API_TAGS = {
  service: 'service',
  email: 'e-mail login',
  providers: 'provider login',
  sessions: 'sessions',
  tokens: 'personal access tokens',
  ephemeral: 'ephemeral',
  admin: 'admin',
  pages: 'pages',
  openapi: 'openapi',
} as const;
