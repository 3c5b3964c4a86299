/**
 * The browsable page: Swagger UI from our own routes, started by a script file of ours (no
 * inline script or style), under a CSP that allows nothing from another origin. The
 * validator badge is off: it would send the document to validator.swagger.io.
 */

export const INIT_SCRIPT = 'swagger-ui-init.js';

export const INIT_SCRIPT_BODY = `'use strict';
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

/**
 * `base`: `/openapi` or `/api/openapi` under the server URL's path, the path the page was asked
 * for, so the page and its assets come through the same prefix (a proxy may forward only `/api`).
 */
export function openApiPage(base: string, title: string, assetVersion: string): string {
  const asset = (name: string): string => `${base}/${name}?v=${encodeURIComponent(assetVersion)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}">
<link rel="stylesheet" href="${asset('swagger-ui.css')}">
</head>
<body>
<noscript>This page needs JavaScript; the document itself is <a href="${base}.json">${base}.json</a>.</noscript>
<div id="swagger-ui" data-document="${base}.json"></div>
<script src="${asset('swagger-ui-bundle.js')}"></script>
<script src="${asset(INIT_SCRIPT)}"></script>
</body>
</html>
`;
}

/**
 * `connect-src` names the server URL's origin too: "Try it out" calls the document's
 * servers, which are built from it.
 */
export function openApiPageCsp(serverUrl: string): string {
  const origin = new URL(serverUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${origin}`,
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
