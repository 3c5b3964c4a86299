import { BadRequestException, Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import {
  ApiConsumes,
  ApiParameter,
  type ParameterOptions,
  type SchemaObject,
} from './openapi.metadata.js';

/**
 * One zod schema per request and response shape: it parses the input (a 400 naming the field),
 * types the handler (`z.infer`) and is the OpenAPI schema (`z.toJSONSchema`), so the three
 * cannot drift apart. Named shapes are the document's `components.schemas`.
 */

const NAMED = z.registry<{ id: string }>();
const COMPONENTS = '#/components/schemas/';

/** Registers `schema` as the component `id`; routes then refer to it by `$ref`. */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  NAMED.add(schema, { id });
  return schema;
}

const OPTIONS: Parameters<typeof z.toJSONSchema>[1] = {
  // Requests are described as clients send them (before defaults and transforms).
  io: 'input',
  unrepresentable: 'any',
  uri: (id) => `${COMPONENTS}${id}`,
  // zod's safe-integer bounds of every `z.int()` say nothing to a reader, nor does the digit
  // pattern of a query value documented as the integer it is.
  override: ({ jsonSchema: schema }) => {
    if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
    if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
    if (schema.type === 'integer') delete schema.pattern;
  },
};

/** zod's JSON Schema without the `$schema` and `$id` that a document's schemas do not repeat. */
function bare({ $schema: _, $id: __, ...schema }: z.core.JSONSchema.BaseSchema): SchemaObject {
  return schema;
}

/** The named shapes, as `components.schemas`. */
export function openApiSchemas(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(NAMED, OPTIONS);
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema)]));
}

/** A `$ref` to a named shape, or the shape written out. */
export function jsonSchemaOf(schema: z.ZodType): SchemaObject {
  const id = NAMED.get(schema)?.id;
  return id ? { $ref: `${COMPONENTS}${id}` } : bare(z.toJSONSchema(schema, OPTIONS));
}

/** zod's own words, after the field they are about: `name: Invalid input: expected string`. */
function fieldError(issue: z.core.$ZodRawIssue): string {
  const text = z.config().localeError?.(issue);
  const message = typeof text === 'string' ? text : (text?.message ?? 'Invalid input');
  return issue.path?.length ? `${issue.path.join('.')}: ${message}` : message;
}

type Failure = (message: string) => Error;
const badRequest: Failure = (message) => new BadRequestException(message);

/** Parses with `schema`, or throws `failure` (a 400) with the first problem. */
export function parseShape<T extends z.ZodType>(
  schema: T,
  value: unknown,
  failure: Failure = badRequest,
): z.output<T> {
  const result = schema.safeParse(value, { error: fieldError });
  if (!result.success) throw failure(result.error.issues[0]?.message ?? 'Invalid input');
  return result.data;
}

export class ShapePipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    private readonly failure: Failure = badRequest,
  ) {}

  transform(value: unknown): z.output<T> {
    return parseShape(this.schema, value, this.failure);
  }
}

/** Nest's parameter decorator and those that document the parameter, as one. */
function all(...decorators: ParameterDecorator[]): ParameterDecorator {
  return (target, key, index) => decorators.forEach((decorate) => decorate(target, key, index));
}

interface BodyOptions {
  /** Without a body at all the handler gets undefined (the schema decides). */
  required?: boolean;
  failure?: Failure;
  /** Only a form (an OAuth form_post), not JSON. */
  form?: boolean;
}

/** The body, a JSON object or a form, parsed by `schema` and documented by it. */
export function BodyShape(schema: z.ZodType, options: BodyOptions = {}): ParameterDecorator {
  const form = 'application/x-www-form-urlencoded';
  const required = options.required ?? true;
  return all(
    Body(new ShapePipe(schema, options.failure)),
    ApiConsumes(...(options.form ? [form] : ['application/json', form])),
    ApiParameter({ in: 'body', required, schema: jsonSchemaOf(schema) }),
  );
}

/** Each field of an object `schema` as a documented query parameter. */
export function ApiQueryOf(schema: z.ZodType): MethodDecorator & ParameterDecorator {
  const { properties = {}, required = [] } = z.toJSONSchema(schema, OPTIONS);
  const fields = Object.entries(properties).map(([name, field]): ParameterOptions => {
    const { description, ...rest } = field as z.core.JSONSchema.BaseSchema;
    return { in: 'query', name, required: required.includes(name), schema: rest, description };
  });
  return ApiParameter(...fields);
}

/** The query, parsed by an object `schema`; each of its fields is a documented parameter. */
export function QueryShape(schema: z.ZodType, failure?: Failure): ParameterDecorator {
  return all(Query(new ShapePipe(schema, failure)), ApiQueryOf(schema));
}

/** A path parameter parsed by `schema`; `failure` when a bad one is "not found". */
export function ParamShape(name: string, schema: z.ZodType, failure?: Failure): ParameterDecorator {
  const parameter = { in: 'path', name, required: true, schema: jsonSchemaOf(schema) } as const;
  return all(Param(name, new ShapePipe(schema, failure)), ApiParameter(parameter));
}
