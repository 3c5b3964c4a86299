import type { SecuritySchemeObject } from './openapi.metadata.js';
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from './cookies.js';

/** The document's security schemes and tags; the shapes are zod schemas (see shapes.ts). */

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
