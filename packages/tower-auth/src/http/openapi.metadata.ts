import type { SECURITY_SCHEMES } from './openapi.decorators.js';

/**
 * The few OpenAPI decorators the module's controllers use, written without a dependency on
 * `@nestjs/swagger`: they store the same metadata keys that `@nestjs/swagger`'s scanner reads,
 * so a host that builds a document with `SwaggerModule` gets the module's routes described,
 * and a host without Swagger installs nothing for it.
 */

type SecurityScheme = keyof typeof SECURITY_SCHEMES;

/** A JSON Schema (2020-12, as OpenAPI 3.1 has it), `$ref` included. */
export type SchemaObject = { type?: string | string[]; [keyword: string]: unknown };
export type HeadersObject = Record<string, { description?: string; schema?: SchemaObject }>;
export type ContentObject = Record<string, { schema: SchemaObject }>;

/** For a class, a handler, or one of its parameters (the handler holds the parameter's data). */
type Decorator = MethodDecorator & ClassDecorator & ParameterDecorator;

/**
 * Adds to the scanner's metadata `key` (its `DECORATORS` constants) of the handler, or of the
 * class: a list's items are appended, an object's fields merged.
 */
function add(key: string, value: object): Decorator {
  return (target: object, handler?: string | symbol) => {
    const on = handler === undefined ? target : (Reflect.get(target, handler) as object);
    const previous: unknown = Reflect.getMetadata(`swagger/${key}`, on);
    const next = Array.isArray(value)
      ? [...((previous as unknown[] | undefined) ?? []), ...(value as unknown[])]
      : { ...(previous as object | undefined), ...value };
    Reflect.defineMetadata(`swagger/${key}`, next, on);
  };
}

export const ApiOperation = (options: {
  summary: string;
  description?: string;
  requestBody?: { required: boolean; content: ContentObject };
}): Decorator => add('apiOperation', options);

/** By the names the document describes them under (docs/api.md for the service). */
export const ApiTags = (...tags: string[]): Decorator => add('apiUseTags', tags);
export const ApiConsumes = (...types: string[]): Decorator => add('apiConsumes', types);

/**
 * The route's credential where its access rule does not say it: each scheme is an alternative;
 * `optional` (a public route that uses a credential when one comes): none at all will do too.
 */
export function ApiSecurity(schemes: SecurityScheme[], { optional = false } = {}): Decorator {
  const requirements: object[] = schemes.map((scheme) => ({ [scheme]: [] }));
  return add('apiSecurity', optional ? [...requirements, {}] : requirements);
}

export interface ApiResponseOptions {
  status: number;
  description: string;
  content?: ContentObject;
  headers?: HeadersObject;
}

export const ApiResponse = ({ status, ...response }: ApiResponseOptions): Decorator =>
  add('apiResponse', { [status]: response });

export interface ParameterOptions {
  in: 'path' | 'query' | 'body';
  name?: string;
  required: boolean;
  description?: string;
  schema: SchemaObject;
}

/** Parameters in the order given, or (`in: 'body'`) the request body. */
export function ApiParameter(...parameters: ParameterOptions[]): Decorator {
  // A primitive type tells the scanner that the schema is given, not a class to explore.
  const given = parameters.map((param) => ({ type: String, ...param }));
  return add('apiParameters', given);
}
