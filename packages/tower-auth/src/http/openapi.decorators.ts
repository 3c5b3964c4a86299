import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import {
  ApiResponse,
  ApiSecurity,
  type HeadersObject,
  type ReferenceObject,
  type SchemaObject,
} from './openapi.metadata.js';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './cookies.js';
import { ErrorBody } from './http.shapes.js';
import { jsonSchemaOf } from './shapes.js';

/**
 * Short forms of the @nestjs/swagger decorators this API needs again and again. Security
 * requirements, 401/403 and the catch-all error response follow from each route's access
 * rule when the document is built (src/app/openapi); declare here only what differs.
 */

const JSON_TYPE = 'application/json';

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

/** A zod shape, a component of the document by name, or a JSON Schema as it is. */
export type Shape = z.ZodType | string | SchemaObject;

export function schemaOf(shape: Shape): SchemaObject | ReferenceObject {
  if (typeof shape === 'string') return { $ref: `#/components/schemas/${shape}` };
  return shape instanceof z.ZodType ? jsonSchemaOf(shape) : shape;
}

/** A JSON response of this shape. */
export function ApiJson(
  status: number,
  description: string,
  shape: Shape,
  headers?: HeadersObject,
): MethodDecorator & ClassDecorator {
  const body = schemaOf(shape);
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
      ApiJson(Number(status), description, ErrorBody),
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

/**
 * A public route that uses a credential when one comes (sign-out, refresh): each scheme is
 * an alternative, and none at all is allowed too.
 */
export function ApiOptionalCredential(...schemes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...schemes.map((scheme) => ApiSecurity(scheme)), ApiSecurity({}));
}
