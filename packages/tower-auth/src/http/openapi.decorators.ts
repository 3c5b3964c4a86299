import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiResponse,
  ApiSecurity,
  type HeadersObject,
  type SchemaObject,
} from './openapi.metadata.js';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './cookies.js';
import { schemaRef, type SchemaName } from './openapi.schemas.js';

/**
 * Short forms of the @nestjs/swagger decorators this API needs again and again. Security
 * requirements, 401/403 and the catch-all error response follow from each route's access
 * rule when the document is built (src/app/openapi); declare here only what differs.
 */

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

export const SESSION_COOKIES_SET: HeadersObject = {
  'Set-Cookie': {
    description: `\`${ACCESS_COOKIE}\` (the access token; Path: the server URL's path, \`/\` for a root URL) and \`${REFRESH_COOKIE}\` (the refresh token; Path \`/oauth/access_token\` under the server URL's path), both HttpOnly and SameSite=Lax, Secure when the server URL is https`,
    schema: { type: 'string' },
  },
};

export const SESSION_COOKIES_CLEARED: HeadersObject = {
  'Set-Cookie': {
    description: `\`${ACCESS_COOKIE}\` and \`${REFRESH_COOKIE}\` emptied with Max-Age=0 (same names and paths)`,
    schema: { type: 'string' },
  },
};

function location(target: string): HeadersObject {
  return { Location: { description: target, schema: { type: 'string', format: 'uri' } } };
}

/** A JSON response of a named schema (or an inline one). */
export function ApiJson(
  status: number,
  description: string,
  schema: SchemaName | SchemaObject,
  headers?: HeadersObject,
): MethodDecorator & ClassDecorator {
  const body = typeof schema === 'string' ? schemaRef(schema) : schema;
  return ApiResponse({
    status,
    description,
    content: { [JSON_TYPE]: { schema: body } },
    ...(headers ? { headers } : {}),
  });
}

/** Errors particular to the route, each the JSON error body. */
export function ApiErrors(errors: Record<number, string>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiJson(Number(status), description, 'Error'),
    ),
  );
}

/** A `303 See Other` to `target` (a description of the Location). */
export function ApiRedirect(
  description: string,
  target: string,
  headers: HeadersObject = {},
): MethodDecorator & ClassDecorator {
  return ApiResponse({ status: 303, description, headers: { ...location(target), ...headers } });
}

/** A response that is not JSON. */
export function ApiContent(
  status: number,
  description: string,
  types: string[],
  headers?: HeadersObject,
): MethodDecorator & ClassDecorator {
  const schema: SchemaObject = types[0].startsWith('text/')
    ? { type: 'string' }
    : { type: 'string', format: 'binary' };
  const content = Object.fromEntries(types.map((type) => [type, { schema }]));
  return ApiResponse({ status, description, content, ...(headers ? { headers } : {}) });
}

/** The body is a form or a JSON object of this schema. */
export function ApiFormOrJson(schema: SchemaName, required = true): MethodDecorator {
  return applyDecorators(
    ApiConsumes(JSON_TYPE, FORM_TYPE),
    ApiBody({ schema: schemaRef(schema), required }),
  );
}

/**
 * A public route that uses a credential when one comes (sign-out, refresh): each scheme is
 * an alternative, and none at all is allowed too.
 */
export function ApiOptionalCredential(...schemes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...schemes.map((scheme) => ApiSecurity(scheme)), ApiSecurity({}));
}
