/**
 * `tower-auth/openapi`: what an application that documents its API with `@nestjs/swagger`
 * needs to describe the module's routes as the service does (schemas, security schemes, the
 * access rule of each route), and the decorators to declare its own routes' shapes the same
 * way. Nothing here imports `@nestjs/swagger`.
 */
export { ACCESS_RULE, type AccessRule } from './decorators/access.decorator.js';
export { ORIGIN_RULE, type OriginRule } from './decorators/same-origin.decorator.js';
export { CREDENTIAL_RULE, type CredentialRule } from './decorators/session-only.decorator.js';
export { routeRules, type RouteRules } from './guards/session.guard.js';
export { API_PREFIX, isApiAliasPath, withApiAlias } from './http/routes.js';
export * from './http/openapi.metadata.js';
export * from './http/openapi.decorators.js';
export * from './http/shapes.js';
// Every shape of the module's routes, so the document's components are complete.
export * from './http/http.shapes.js';
export * from './http/admin.shapes.js';
export * from './access-tokens/access-token.shapes.js';
export * from './mail/mail.shapes.js';
export * from './ephemeral/ephemeral.shapes.js';
export * from './providers/provider.shapes.js';
