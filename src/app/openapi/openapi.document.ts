import { readFileSync } from 'node:fs';
import { Injectable, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { TowerConfig } from 'tower-auth';
import { openApiSchemas, SECURITY_SCHEMES, API_PREFIX } from 'tower-auth/openapi';
import { VERSION } from '../../version.js';
import { applyAccessRules, STANDARD_RESPONSES } from './openapi.access.js';

/**
 * The document's prose is docs/api.md, which is also the API page of the docs: its text up to
 * `## Tags` is the description, and each `- **tag**: text` item under that heading a tag, in
 * the order the browsable page shows them. Read from the repository (dist sits beside src).
 */
function addProse(builder: DocumentBuilder): void {
  const text = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  const [intro, tags = ''] = text.split(/^## Tags$/m);
  builder.setDescription(intro.replace(/^# .*$/m, '').trim());
  for (const item of tags.split(/^- /m).slice(1)) {
    const [, name, about] = /^\*\*(.+?)\*\*: (.*)$/s.exec(item.trim()) ?? [];
    if (name) builder.addTag(name, about.replace(/\s+/g, ' '));
  }
}

/**
 * The OpenAPI 3.1 document of every route of `app`, as written by the decorators on the
 * controllers, with each operation's security and 401/403 responses taken from its access
 * rule. `tags` describes the tags of routes the application adds to the service's
 * (createApp's `modules`).
 */
export function buildOpenApiDocument(
  app: INestApplication,
  config: TowerConfig,
  tags: Record<string, string> = {},
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('tower-auth')
    .setVersion(VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(config.serverUrl, 'The service')
    .addServer(`${config.serverUrl}/${API_PREFIX}`, `The same routes under /${API_PREFIX}`);
  addProse(builder);
  for (const [name, description] of Object.entries(tags)) builder.addTag(name, description);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) builder.addSecurity(name, scheme);
  const base = builder.build();
  base.components = {
    ...base.components,
    schemas: openApiSchemas(),
    responses: STANDARD_RESPONSES,
  };
  const document = SwaggerModule.createDocument(app, base, { autoTagControllers: false });
  applyAccessRules(document, app);
  return document;
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
    if (!this.factory) throw new Error('The OpenAPI document was not set up (see createApp)');
    return (this.document ??= this.factory());
  }
}
