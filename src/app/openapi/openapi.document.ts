import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { TowerConfig } from 'tower-auth';
import { openApiSchemas, SECURITY_SCHEMES, API_PREFIX } from 'tower-auth/openapi';
import { VERSION } from '../../version.js';
import { applyAccessRules, standardResponses } from './openapi.access.js';

/** The repository's docs/api.md, from src/app/openapi or dist/app/openapi alike. */
const API_TEXT = new URL('../../../docs/api.md', import.meta.url);

/** The `- **name**: text` items of a markdown list (an item may go on over indented lines). */
function itemsOf(list: string): [string, string][] {
  const items = list.replace(/\n +/g, ' ').matchAll(/^- \*\*(.+?)\*\*: (.+)$/gm);
  return [...items].map(([, name, text]) => [name, text]);
}

/**
 * The OpenAPI 3.1 document of every route of `app`, as written by the decorators on the
 * controllers, with each operation's security and 401/403 responses taken from its access
 * rule. `hostTags` describes the tags of routes the application adds to the service's
 * (createApp's `modules`).
 */
export function buildOpenApiDocument(
  app: INestApplication,
  config: TowerConfig,
  hostTags: Record<string, string> = {},
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('tower-auth')
    .setVersion(VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(config.serverUrl, 'The service')
    .addServer(`${config.serverUrl}/${API_PREFIX}`, `The same routes under /${API_PREFIX}`);
  // The prose is docs/api.md, also the API page of the docs: the text before its first `## `
  // heading, then the lists under `## Security schemes`, `## Responses` and `## Tags` (in order).
  const [intro, ...sections] = readFileSync(API_TEXT, 'utf8').split(/^## /m);
  const lists = new Map(sections.map((text) => [text.slice(0, text.indexOf('\n')), itemsOf(text)]));
  builder.setDescription(intro.replace(/^# .*$/m, '').trim());
  const schemes = new Map(lists.get('Security schemes'));
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    builder.addSecurity(name, { ...scheme, description: schemes.get(name) });
  }
  for (const [name, text] of [...(lists.get('Tags') ?? []), ...Object.entries(hostTags)]) {
    builder.addTag(name, text);
  }
  const base = builder.build();
  const responses = standardResponses(new Map(lists.get('Responses')));
  base.components = { ...base.components, schemas: openApiSchemas(), responses };
  const document = SwaggerModule.createDocument(app, base, { autoTagControllers: false });
  applyAccessRules(document, app);
  return document;
}

/** The document of the running application, `() => OpenAPIObject` (see createApp). */
export const OPENAPI_DOCUMENT = Symbol('OpenAPI document');
