/**
 * `tower-auth/openapi`: what an application that documents its API with `@nestjs/swagger`
 * needs to describe the module's routes as the service does (schemas, security schemes, the
 * access rule of each route). Nothing here imports `@nestjs/swagger`.
 */
export { ACCESS_RULE, type AccessRule } from './decorators/access.decorator.js';
export { ORIGIN_RULE, type OriginRule } from './decorators/same-origin.decorator.js';
export { CREDENTIAL_RULE, type CredentialRule } from './decorators/session-only.decorator.js';
export { API_PREFIX, isApiAliasPath, withApiAlias } from './http/routes.js';
export {
  API_TAGS,
  OPENAPI_SCHEMAS,
  SECURITY,
  SECURITY_SCHEMES,
  schemaRef,
  type SchemaName,
} from './http/openapi.schemas.js';
export { ApiContent, ApiErrors, ApiJson, ApiRedirect } from './http/openapi.decorators.js';
export type {
  HeadersObject,
  ReferenceObject,
  SchemaObject,
  SecuritySchemeObject,
} from './http/openapi.metadata.js';
