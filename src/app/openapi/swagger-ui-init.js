// Starts Swagger UI on the browsable OpenAPI page (GET /openapi), as a module script after the
// bundle: a file of its own because the page's CSP runs no inline script. Plain browser
// JavaScript with no build step of its own (npm run build emits it into dist with allowJs, as a
// module). The validator badge is off: it would send the document to validator.swagger.io;
// nothing is configured from the page's query string.

/* global window, document, SwaggerUIBundle -- browser globals and the bundle the page loads */

window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').getAttribute('data-document'),
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
