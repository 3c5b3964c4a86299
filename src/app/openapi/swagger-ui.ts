import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/**
 * The browsable page: Swagger UI from our own routes, started by a script file of ours (no
 * inline script or style), under a CSP that allows nothing from another origin. The
 * validator badge is off: it would send the document to validator.swagger.io.
 */

const INIT_SCRIPT = `'use strict';
window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-document'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
`;

const JS = 'text/javascript; charset=utf-8';

/** The page's files by the name they are served under: swagger-ui-dist's, then ours. */
export const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': JS,
  'favicon-32x32.png': 'image/png',
  'swagger-ui-init.js': JS,
};

export interface SwaggerUiFile {
  readonly type: string;
  readonly body: Buffer;
  /** The same bytes gzip-compressed, for text (the bundle: 1.6 MB, 0.43 MB zipped). */
  readonly gzipped: Buffer | null;
}

/**
 * swagger-ui-dist as @nestjs/swagger ships it (its dependency, not ours: resolved from its
 * folder). SwaggerModule.setup would need @fastify/static on Fastify, inlines a style and
 * compresses nothing; these few files are served by our own controller instead.
 */
function swaggerUiDist(): URL {
  const fromSwagger = createRequire(createRequire(import.meta.url).resolve('@nestjs/swagger'));
  return pathToFileURL(fromSwagger.resolve('swagger-ui-dist/package.json'));
}

export async function loadSwaggerUiFile(name: string): Promise<SwaggerUiFile> {
  const type = SWAGGER_UI_FILES[name];
  const body =
    name === 'swagger-ui-init.js'
      ? Buffer.from(INIT_SCRIPT)
      : await readFile(new URL(name, swaggerUiDist()));
  return { type, body, gzipped: type.startsWith('text/') ? await promisify(gzip)(body) : null };
}

/**
 * `base`: `/openapi` or `/api/openapi` under the server URL's path, the path the page was asked
 * for, so the page and its files come through the same prefix (a proxy may forward only `/api`).
 */
export function swaggerUiPage(base: string, title: string, version: string): string {
  const file = (name: string): string => `${base}/${name}?v=${encodeURIComponent(version)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</title>
<link rel="icon" type="image/png" href="${file('favicon-32x32.png')}">
<link rel="stylesheet" href="${file('swagger-ui.css')}">
</head>
<body>
<noscript>This page needs JavaScript; the document itself is <a href="${base}.json">${base}.json</a>.</noscript>
<div id="swagger-ui" data-document="${base}.json"></div>
<script src="${file('swagger-ui-bundle.js')}"></script>
<script src="${file('swagger-ui-init.js')}"></script>
</body>
</html>
`;
}

/**
 * `connect-src` names the server URL's origin too: "Try it out" calls the document's
 * servers, which are built from it.
 */
export function swaggerUiPolicy(serverUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(serverUrl).origin}`,
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
