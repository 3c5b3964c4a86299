import { BadRequestException } from '@nestjs/common';
import { DurationError, parsePositiveDuration } from '../config/duration.js';
import {
  EPHEMERAL_EXTENSIONS,
  type EphemeralExtension,
  type EphemeralOptions,
} from './ephemeral.service.js';

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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('The JSON body must be an object with a content string');
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.content !== 'string') {
    throw new BadRequestException('content is required and must be a string');
  }
  return {
    content: fields.content,
    options: {
      contentType: optionalString(fields.contentType, 'contentType'),
      extension: extensionOf(fields.extension),
      duration: durationOf(fields.duration),
    },
  };
}

function fromRawBody(headers: Headers, query: Query, body: Buffer): CreateRequest {
  if (body.length === 0) throw new BadRequestException('The request has no content');
  const header = headers['content-type'];
  const contentType = typeof header === 'string' && header.trim() !== '' ? header : undefined;
  const inferred = EXTENSION_OF_TYPE.find(([type]) => type.test(contentType ?? ''))?.[1];
  return {
    content: body,
    options: {
      contentType,
      extension: extensionOf(query.extension) ?? inferred,
      duration: durationOf(query.duration),
    },
  };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequestException(`${name} must be a string`);
  return value;
}

function extensionOf(value: unknown): EphemeralExtension | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const found = EPHEMERAL_EXTENSIONS.find((extension) => extension === value);
  if (!found) throw new BadRequestException('extension must be json, yml or yaml');
  return found;
}

function durationOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new BadRequestException('duration must be a number of seconds or a duration like 30m');
  }
  try {
    return parsePositiveDuration(value);
  } catch (error) {
    if (error instanceof DurationError) {
      throw new BadRequestException(`duration ${error.reason}`);
    }
    throw error;
  }
}
