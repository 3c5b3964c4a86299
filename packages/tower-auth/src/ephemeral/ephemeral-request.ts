import { BadRequestException } from '@nestjs/common';
import { parseShape } from '../http/shapes.js';
import { EphemeralCreate, EphemeralQuery } from './ephemeral.shapes.js';
import type { EphemeralExtension, EphemeralOptions } from './ephemeral.service.js';

export interface CreateRequest {
  readonly content: Buffer | string;
  readonly options: Pick<EphemeralOptions, 'contentType' | 'extension' | 'duration'>;
}

type Headers = Record<string, string | string[] | undefined>;
type Query = Record<string, unknown>;

/** Raw bodies of these types get the matching URL extension unless the query names one. */
const EXTENSION_OF_TYPE: [RegExp, EphemeralExtension][] = [
  [/^application\/json\b/i, 'json'],
  [/^(application|text)\/(x-)?yaml\b/i, 'yml'],
];

/**
 * `POST /ephemeral` input: JSON `{content, contentType?, extension?, duration?}`, or a raw
 * body taken byte for byte with its own Content-Type (`?extension=` and `?duration=` then
 * come from the query). Every problem is a 400 that names it.
 */
export function parseCreateRequest(headers: Headers, query: Query, body: unknown): CreateRequest {
  if (Buffer.isBuffer(body)) return fromRawBody(headers, query, body);
  // A text body that the application's own text parser has already decoded.
  if (typeof body === 'string') return fromRawBody(headers, query, Buffer.from(body, 'utf8'));
  const { content, ...options } = parseShape(EphemeralCreate, body);
  return { content, options };
}

function fromRawBody(headers: Headers, query: Query, body: Buffer): CreateRequest {
  if (body.length === 0) throw new BadRequestException('The request has no content');
  const header = headers['content-type'];
  const contentType = typeof header === 'string' && header.trim() !== '' ? header : undefined;
  const inferred = EXTENSION_OF_TYPE.find(([type]) => type.test(contentType ?? ''))?.[1];
  const { extension, duration } = parseShape(EphemeralQuery, query);
  return { content: body, options: { contentType, extension: extension ?? inferred, duration } };
}
