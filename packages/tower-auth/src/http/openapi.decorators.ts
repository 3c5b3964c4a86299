import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './cookies.js';
import { ApiResponse, type HeadersObject, type SchemaObject } from './openapi.metadata.js';
import { jsonSchemaOf } from './shapes.js';

/**
 * What the module's routes say in an OpenAPI document beyond their shapes: short forms of the
 * response decorators and the security schemes. Security requirements, 401/403 and the
 * catch-all error response follow from each route's access rule when the document is built
 * (src/app/openapi); declare here only what differs.
 */

/**
 * The security schemes the routes name (`ApiSecurity`, and the access rules when the service
 * builds its document). Described in the document that lists them (docs/api.md for the service).
 */
export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  accessCookie: { type: 'apiKey', in: 'cookie', name: ACCESS_COOKIE },
  refreshCookie: { type: 'apiKey', in: 'cookie', name: REFRESH_COOKIE },
  personalToken: { type: 'http', scheme: 'bearer', bearerFormat: 'tat_<id>_<secret>' },
  personalTokenBasic: { type: 'http', scheme: 'basic' },
} as const;

const cookies = (description: string): HeadersObject => ({
  'Set-Cookie': { description, schema: { type: 'string' } },
});

export const SESSION_COOKIES_SET = cookies(
  `\`${ACCESS_COOKIE}\` (the access token; Path: the server URL's path, \`/\` for a root URL) and \`${REFRESH_COOKIE}\` (the refresh token; Path \`/oauth/access_token\` under the server URL's path), both HttpOnly and SameSite=Lax, Secure when the server URL is https`,
);

export const SESSION_COOKIES_CLEARED = cookies(
  `\`${ACCESS_COOKIE}\` and \`${REFRESH_COOKIE}\` emptied with Max-Age=0 (same names and paths)`,
);

/** A zod shape, a component of the document by name, or a JSON Schema as it is. */
export type Shape = z.ZodType | string | SchemaObject;

export function schemaOf(shape: Shape): SchemaObject {
  if (typeof shape === 'string') return { $ref: `#/components/schemas/${shape}` };
  return shape instanceof z.ZodType ? jsonSchemaOf(shape) : shape;
}

type Decorator = MethodDecorator & ClassDecorator;

/** A JSON response of this shape. */
export function ApiJson(
  status: number,
  description: string,
  shape: Shape,
  headers?: HeadersObject,
): Decorator {
  const content = { 'application/json': { schema: schemaOf(shape) } };
  return ApiResponse({ status, description, content, headers });
}

/** A response that is not JSON: text is a string, anything else binary. */
export function ApiContent(
  status: number,
  description: string,
  types: string[],
  headers?: HeadersObject,
): Decorator {
  const text = types[0].startsWith('text/');
  const schema: SchemaObject = text ? { type: 'string' } : { type: 'string', format: 'binary' };
  const content = Object.fromEntries(types.map((type) => [type, { schema }]));
  return ApiResponse({ status, description, content, headers });
}

/** Errors particular to the route, each the JSON error body. */
export function ApiErrors(errors: Record<number, string>): Decorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, text]) => ApiJson(+status, text, 'Error')),
  );
}

/** A `303 See Other` to `target` (a description of the Location). */
export function ApiRedirect(description: string, target: string, headers = {}): Decorator {
  const location = { description: target, schema: { type: 'string', format: 'uri' } };
  return ApiResponse({ status: 303, description, headers: { Location: location, ...headers } });
}
