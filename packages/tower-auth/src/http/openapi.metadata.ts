/**
 * The few OpenAPI decorators the module's controllers use, written without a dependency on
 * `@nestjs/swagger`: they store the same metadata keys that `@nestjs/swagger`'s scanner reads,
 * so a host that builds a document with `SwaggerModule` gets the module's routes described,
 * and a host without Swagger installs nothing for it.
 */

/** A JSON Schema (2020-12, as OpenAPI 3.1 has it), `$ref` included. */
export type SchemaObject = { type?: string | string[]; [keyword: string]: unknown };
export type ReferenceObject = { $ref: string };
export type HeadersObject = Record<string, { description?: string; schema?: SchemaObject }>;
export type SecuritySchemeObject = {
  type: 'apiKey' | 'http' | 'oauth2' | 'openIdConnect';
  description?: string;
  name?: string;
  in?: 'query' | 'header' | 'cookie';
  scheme?: string;
  bearerFormat?: string;
};

type Decorator = MethodDecorator & ClassDecorator;

/** `key`: one of `@nestjs/swagger`'s metadata keys (its `DECORATORS` constants). */
function merge(key: string, update: (previous: unknown) => unknown): Decorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    // The method for a method decorator, the class for a class decorator.
    const on = (descriptor?.value as object | undefined) ?? target;
    Reflect.defineMetadata(`swagger/${key}`, update(Reflect.getMetadata(`swagger/${key}`, on)), on);
    return descriptor ?? target;
  }) as Decorator;
}

function append(key: string, items: unknown[]): Decorator {
  return merge(key, (previous) => [...((previous as unknown[] | undefined) ?? []), ...items]);
}

export function ApiOperation(options: {
  summary: string;
  description?: string;
  requestBody?: object;
}): Decorator {
  return merge('apiOperation', (previous) => ({ ...(previous as object), ...options }));
}

export const ApiTags = (...tags: string[]): Decorator => append('apiUseTags', tags);
export const ApiConsumes = (...types: string[]): Decorator => append('apiConsumes', types);

export interface ApiResponseOptions {
  status: number | 'default';
  description?: string;
  content?: Record<string, { schema: SchemaObject }>;
  headers?: HeadersObject;
}

export function ApiResponse({ status, ...entry }: ApiResponseOptions): Decorator {
  return merge('apiResponse', (previous) => ({
    ...(previous as object | undefined),
    [status]: { description: '', ...entry },
  }));
}

/** A path or query parameter, or (`in: 'body'`) the request body. */
export interface ParameterOptions {
  in: 'path' | 'query' | 'body';
  name?: string;
  required: boolean;
  description?: string;
  schema: SchemaObject;
}

export function ApiParameter(options: ParameterOptions): Decorator {
  // A primitive type tells the scanner that the schema is given, not a class to explore.
  return append('apiParameters', [options.in === 'body' ? { type: String, ...options } : options]);
}

export function ApiSecurity(requirement: string | Record<string, string[]>): Decorator {
  const entry = typeof requirement === 'string' ? { [requirement]: [] } : requirement;
  return append('apiSecurity', [entry]);
}
