/**
 * The few OpenAPI decorators the module's controllers use, written without a dependency on
 * `@nestjs/swagger`: they store the same metadata keys that `@nestjs/swagger`'s scanner reads,
 * so a host that builds a document with `SwaggerModule` gets the module's routes described,
 * and a host without Swagger installs nothing for it.
 */

export type SchemaObject = {
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  pattern?: string;
  items?: SchemaObject | ReferenceObject;
  properties?: Record<string, SchemaObject | ReferenceObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject | ReferenceObject;
  oneOf?: (SchemaObject | ReferenceObject)[];
  anyOf?: (SchemaObject | ReferenceObject)[];
  [extension: string]: unknown;
};
export interface ReferenceObject {
  $ref: string;
}
export type HeadersObject = Record<string, { description?: string; schema?: SchemaObject }>;
export type SecuritySchemeObject = {
  type: 'apiKey' | 'http' | 'oauth2' | 'openIdConnect';
  description?: string;
  name?: string;
  in?: 'query' | 'header' | 'cookie';
  scheme?: string;
  bearerFormat?: string;
  [extension: string]: unknown;
};

/** `@nestjs/swagger`'s metadata keys (its `DECORATORS` constants). */
const KEYS = {
  operation: 'swagger/apiOperation',
  response: 'swagger/apiResponse',
  consumes: 'swagger/apiConsumes',
  tags: 'swagger/apiUseTags',
  parameters: 'swagger/apiParameters',
  security: 'swagger/apiSecurity',
} as const;

type Decorator = MethodDecorator & ClassDecorator;
type Target = object | ((...args: never[]) => unknown);

/** The method for a method decorator, the class for a class decorator. */
function holder(target: object, descriptor?: PropertyDescriptor): Target {
  return (descriptor?.value as Target | undefined) ?? target;
}

function merge(key: string, update: (previous: unknown) => unknown): Decorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const on = holder(target, descriptor);
    Reflect.defineMetadata(key, update(Reflect.getMetadata(key, on)), on);
    return descriptor ?? target;
  }) as Decorator;
}

function append(key: string, items: unknown[]): Decorator {
  return merge(key, (previous) => [...((previous as unknown[] | undefined) ?? []), ...items]);
}

export function ApiOperation(options: {
  summary?: string;
  description?: string;
  [field: string]: unknown;
}): Decorator {
  return merge(KEYS.operation, (previous) => ({
    summary: '',
    ...(previous as object | undefined),
    ...options,
  }));
}

export function ApiTags(...tags: string[]): Decorator {
  return append(KEYS.tags, tags);
}

export function ApiConsumes(...types: string[]): Decorator {
  return append(KEYS.consumes, types);
}

export interface ApiResponseOptions {
  status: number | 'default';
  description?: string;
  content?: Record<string, { schema: SchemaObject | ReferenceObject }>;
  headers?: HeadersObject;
}

export function ApiResponse({ status, ...entry }: ApiResponseOptions): Decorator {
  return merge(KEYS.response, (previous) => ({
    ...(previous as object | undefined),
    [status]: { description: '', ...entry },
  }));
}

interface ParameterOptions {
  name: string;
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
}

function parameter(place: 'path' | 'query', options: ParameterOptions): Decorator {
  return append(KEYS.parameters, [
    { in: place, required: place === 'path', schema: { type: 'string' }, ...options },
  ]);
}

export function ApiParam(options: ParameterOptions): Decorator {
  return parameter('path', options);
}

export function ApiQuery(options: ParameterOptions): Decorator {
  return parameter('query', options);
}

export function ApiBody(options: {
  schema: SchemaObject | ReferenceObject;
  required?: boolean;
}): Decorator {
  // A primitive type tells the scanner that the schema is given, not a class to explore.
  return append(KEYS.parameters, [{ in: 'body', type: String, required: true, ...options }]);
}

export function ApiSecurity(requirement: string | Record<string, string[]>): Decorator {
  const entry = typeof requirement === 'string' ? { [requirement]: [] } : requirement;
  return append(KEYS.security, [entry]);
}
