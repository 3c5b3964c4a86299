import { BadRequestException } from '@nestjs/common';

/**
 * The named fields of a form or JSON object body, each a single string. Anything else (no
 * body, an array, null, a number, a repeated form field, a missing field) is a 400: bad input
 * is the client's mistake, never a 500.
 */
export function stringFields<K extends string>(
  body: unknown,
  names: readonly K[],
): Record<K, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('The body must be a form or a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const values = {} as Record<K, string>;
  for (const name of names) {
    const value = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
    if (typeof value !== 'string') {
      throw new BadRequestException(`${name} is required and must be a single string`);
    }
    values[name] = value;
  }
  return values;
}
