import { describe, expect, it } from '@jest/globals';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { AccessTokenCreate } from '../access-tokens/access-token.shapes.js';
import { AuditQuery } from './admin.shapes.js';
import { RefreshGrant } from './http.shapes.js';
import { jsonSchemaOf, openApiSchemas, parseShape, QueryShape, ShapePipe } from './shapes.js';

function failure(run: () => unknown): { status: number; message: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestException || error instanceof NotFoundException) {
      return { status: error.getStatus(), message: error.message };
    }
    throw error;
  }
  throw new Error('no failure');
}

describe('parsing with a shape', () => {
  it('answers 400 naming the field, in zod words or the shape own', () => {
    expect(failure(() => parseShape(AccessTokenCreate, { name: 'ok', duration: true }))).toEqual({
      status: 400,
      message: 'duration must be a number of seconds or a duration like 30m',
    });
    expect(failure(() => parseShape(AuditQuery, { type: ['a', 'b'] }))).toEqual({
      status: 400,
      message: 'type must be one string of at most 64 characters',
    });
    const plain = z.object({ count: z.int() });
    expect(failure(() => parseShape(plain, { count: 'x' })).message).toMatch(/^count: /);
  });

  it('gives the handler the parsed value: defaults, numbers, empty fields as absent', () => {
    expect(parseShape(AuditQuery, { max: '7', type: '' })).toEqual({ offset: 0, max: 7 });
    expect(parseShape(RefreshGrant, undefined)).toEqual({});
    const created = parseShape(AccessTokenCreate, { name: 'ci', expiresAt: '', duration: '2h' });
    expect(created).toEqual({ name: 'ci', duration: 7200 });
  });

  it('throws the error a route chooses (a 404 for an id that cannot exist)', () => {
    const pipe = new ShapePipe(z.string().regex(/^\d+$/), () => new NotFoundException('No such'));
    expect(pipe.transform('12')).toBe('12');
    expect(failure(() => pipe.transform('x'))).toEqual({ status: 404, message: 'No such' });
  });
});

describe('the OpenAPI side of a shape', () => {
  it('names the registered shapes as components, referred to by $ref', () => {
    const schemas = openApiSchemas();
    expect(schemas.AccessTokenCreate).toMatchObject({ type: 'object', required: ['name'] });
    expect(jsonSchemaOf(AccessTokenCreate)).toEqual({
      $ref: '#/components/schemas/AccessTokenCreate',
    });
  });

  it('documents each field of a query shape as a parameter of the handler', () => {
    class Routes {
      list(_query: unknown): void {}
    }
    QueryShape(AuditQuery)(Routes.prototype, 'list', 0);
    const parameters = Reflect.getMetadata('swagger/apiParameters', Routes.prototype.list) as {
      name: string;
      in: string;
      schema: { type?: string };
    }[];
    expect(parameters.map((p) => [p.name, p.in, p.schema.type])).toEqual([
      ['offset', 'query', 'integer'],
      ['max', 'query', 'integer'],
      ['type', 'query', 'string'],
      ['userId', 'query', 'string'],
    ]);
  });
});
