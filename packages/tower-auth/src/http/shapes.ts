import { BadRequestException, Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import {
  ApiBody,
  ApiConsumes,
  ApiParam,
  ApiQuery,
  type ReferenceObject,
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

/**
 * The safe-integer bounds zod writes for every `z.int()` say nothing to a reader, nor does the
 * digit pattern of a query value documented as the integer it is.
 */
const override: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = ({
  jsonSchema,
}) => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.type === 'integer') delete jsonSchema.pattern;
};

// Requests are described as clients send them (before defaults and transforms).
const OPTIONS = {
  io: 'input',
  unrepresentable: 'any',
  uri: (id: string) => `${COMPONENTS}${id}`,
  override,
} as const;

function clean(schema: object): SchemaObject {
  const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** The named shapes, as `components.schemas`. */
export function openApiSchemas(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(NAMED, OPTIONS);
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema)]));
}

/** A `$ref` to a named shape, or the shape written out. */
export function jsonSchemaOf(schema: z.ZodType): SchemaObject | ReferenceObject {
  const id = NAMED.get(schema)?.id;
  return id ? { $ref: `${COMPONENTS}${id}` } : clean(z.toJSONSchema(schema, OPTIONS));
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

type Decorate = (method: MethodDecorator) => void;

/** Applies method decorators from a parameter decorator: the handler holds the OpenAPI data. */
function onHandler(target: object, key: string | symbol | undefined): Decorate {
  return (decorator) => {
    if (key === undefined) return;
    decorator(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };
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
  return (target, key, index) => {
    Body(new ShapePipe(schema, options.failure))(target, key, index);
    const apply = onHandler(target, key);
    const types = options.form ? [] : ['application/json'];
    apply(ApiConsumes(...types, 'application/x-www-form-urlencoded'));
    apply(ApiBody({ schema: jsonSchemaOf(schema), required: options.required ?? true }));
  };
}

/** Each field of an object `schema` as a documented query parameter. */
export function ApiQueryOf(schema: z.ZodType): MethodDecorator {
  return (target, key, descriptor) => {
    const { properties = {}, required = [] } = clean(z.toJSONSchema(schema, OPTIONS));
    for (const [name, field] of Object.entries(properties as Record<string, SchemaObject>)) {
      const { description, ...rest } = field;
      const needed = (required).includes(name);
      ApiQuery({ name, required: needed, schema: rest, description })(target, key, descriptor);
    }
  };
}

/** The query, parsed by an object `schema`; each of its fields is a documented parameter. */
export function QueryShape(schema: z.ZodType, failure?: Failure): ParameterDecorator {
  return (target, key, index) => {
    Query(new ShapePipe(schema, failure))(target, key, index);
    onHandler(target, key)(ApiQueryOf(schema));
  };
}

/** A path parameter parsed by `schema`; `failure` when a bad one is "not found". */
export function ParamShape(name: string, schema: z.ZodType, failure?: Failure): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new ShapePipe(schema, failure))(target, key, index);
    onHandler(target, key)(ApiParam({ name, schema: jsonSchemaOf(schema) as SchemaObject }));
  };
}
