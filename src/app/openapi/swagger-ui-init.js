// Starts Swagger UI on the browsable OpenAPI page (GET /openapi), as a module script after the
// bundle: a file of its own because the page's CSP runs no inline script. Plain browser
// JavaScript, emitted into dist by npm run build (allowJs, as a module). The validator badge is
// off (it would send the document to validator.swagger.io) and nothing is configured from the
// query string; Swagger UI's defaults keep try-it-out off and authorizations out of storage.

/* global window, document, SwaggerUIBundle -- browser globals and the bundle the page loads */

window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').getAttribute('data-document'),
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
});
