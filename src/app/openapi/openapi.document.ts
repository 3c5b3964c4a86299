import { Injectable, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { TowerConfig } from 'tower-auth';
import { API_TAGS, openApiSchemas, SECURITY_SCHEMES, API_PREFIX } from 'tower-auth/openapi';
import { VERSION } from '../../version.js';
import { applyAccessRules, STANDARD_RESPONSES } from './openapi.access.js';

const DESCRIPTION = `The HTTP API of tower-auth: Seqera-Platform-compatible sign-in (e-mail magic links, GitHub, Google, one OpenID Connect provider), sessions, ephemeral endpoints and administration.

**Every path is also served under \`/${API_PREFIX}\`** (Nextflow is given \`https://HOST/${API_PREFIX}\`). This document lists each path once; the second server is the \`/${API_PREFIX}\` one.

**Credentials.** A signed-in client sends its access token as \`Authorization: Bearer <JWT>\` or in the \`JWT\` cookie a browser login sets (the header wins). When a call answers 401, refresh with \`POST /oauth/access_token\` and retry; 403 means the credential is fine but not enough. Public routes ignore any credential that comes with them. A state-changing request authenticated by the cookie must come from this origin (Origin, Sec-Fetch-Site) or it gets 403.

**Personal access tokens.** Nextflow and tw send a token made with \`POST /tokens\` as \`Authorization: Bearer tat_…\` (older Nextflow: HTTP Basic, user \`@token\`): it works wherever \`personalToken\` is listed, never on the refresh endpoint, and a route that lists only \`bearer\` and \`accessCookie\` answers it 403.

**Access.** An operation with no security requirement is public; \`bearer\` or \`accessCookie\` (or \`personalToken\`) means any signed-in user; the role \`root\` means a root user (\`TOWER_ROOT_USERS\`).

**Errors.** Every error, 401 and 403 included, is JSON \`{statusCode, error, message}\` (the \`Error\` schema); the refresh endpoint's OAuth errors add \`error_description\`. A 5xx never carries internals; an unreachable database is a 503 with \`Retry-After\`.

**Browsers and API clients.** A login answers a browser with \`303 See Other\` to \`/auth?success=true\` (with the session cookies) or \`/auth?success=false&error=<code>\`; a client that asks for \`application/json\` (and not \`text/html\`) gets JSON instead.`;

const TAG_DESCRIPTIONS: Record<string, string> = {
  [API_TAGS.service]: 'What a client reads first: the version, the login methods, health',
  [API_TAGS.email]: 'Sign in with a single-use link sent by e-mail',
  [API_TAGS.providers]: 'Sign in with GitHub, Google or the OpenID Connect provider',
  [API_TAGS.sessions]: 'Refresh, sign out, the signed-in user',
  [API_TAGS.tokens]:
    'Personal access tokens for Nextflow and tw (`TOWER_ACCESS_TOKEN`), managed with a browser session',
  [API_TAGS.ephemeral]: 'Single-use URLs that hand data to a job that starts later',
  [API_TAGS.admin]: 'Root users only',
  [API_TAGS.pages]: 'HTML for people',
  [API_TAGS.openapi]: 'This document and its browsable page',
};

/**
 * The OpenAPI 3.1 document of every route of `app`, as written by the decorators on the
 * controllers, with the `/api` twins folded into the canonical paths and each operation's
 * security and 401/403 responses taken from its access rule. `tags` describes the tags of
 * routes the application adds to the service's (createApp's `modules`).
 */
export function buildOpenApiDocument(
  app: INestApplication,
  config: TowerConfig,
  tags: Record<string, string> = {},
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('tower-auth')
    .setDescription(DESCRIPTION)
    .setVersion(VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(config.serverUrl, 'The service')
    .addServer(`${config.serverUrl}/${API_PREFIX}`, `The same routes under /${API_PREFIX}`);
  for (const [name, description] of Object.entries({ ...TAG_DESCRIPTIONS, ...tags })) {
    builder.addTag(name, description);
  }
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) builder.addSecurity(name, scheme);
  const base = builder.build();
  base.components = {
    ...base.components,
    schemas: openApiSchemas(),
    responses: STANDARD_RESPONSES,
  };
  const document = SwaggerModule.createDocument(app, base, { autoTagControllers: false });
  foldApiTwins(document);
  applyAccessRules(document, app);
  return document;
}

/**
 * `routes()` declares every controller at its path and under `/api`; the scanner lists both
 * (with `[0]`/`[1]` operation ids). Keep the canonical one where both exist.
 */
function foldApiTwins(document: OpenAPIObject): void {
  const prefix = `/${API_PREFIX}`;
  for (const path of Object.keys(document.paths)) {
    if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
    const canonical = path.slice(prefix.length) || '/';
    if (document.paths[canonical]) delete document.paths[path];
  }
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as { operationId?: string }[]) {
      if (typeof operation?.operationId === 'string') {
        operation.operationId = operation.operationId.replace(/\[\d+\]$/, '');
      }
    }
  }
}

/**
 * Holds the document of the running application. createApp hands it a factory (the scanner
 * needs the application object itself); the document is built on first use and kept.
 */
@Injectable()
export class OpenApiDocument {
  private factory: (() => OpenAPIObject) | null = null;
  private document: OpenAPIObject | null = null;

  useFactory(factory: () => OpenAPIObject): void {
    this.factory = factory;
    this.document = null;
  }

  get(): OpenAPIObject {
    if (this.document) return this.document;
    if (!this.factory) throw new Error('The OpenAPI document was not set up (see createApp)');
    this.document = this.factory();
    return this.document;
  }
}
