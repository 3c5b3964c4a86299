import { z } from 'zod';
import { BIGINT_ID, SESSION_ID } from '../common/ids.js';
import { durationSchema } from '../common/duration.js';

/** The field shapes several requests and responses share. */

/** A timestamp: a Date, which the JSON answer writes as an ISO 8601 string, or that string. */
export const dateTime = z
  .custom<Date | string>((value) => value instanceof Date || typeof value === 'string')
  .meta({ type: 'string', format: 'date-time' });

export const AUTH_TYPES = ['email', 'github', 'google', 'oidc'] as const;
export const ROLES = ['user', 'root'] as const;

/** A form field left empty, or a JSON null, is a field not given. */
export function optional<T extends z.ZodType>(schema: T) {
  const absent = (value: unknown): unknown => (value === null || value === '' ? undefined : value);
  return z.preprocess(absent, schema.optional());
}

/** A query value of at most 7 digits from `min` to `max`; `fallback` when absent or empty. */
export function wholeNumber(name: string, fallback: number, min: number, max: number) {
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .string({ error })
    .regex(/^\d{0,7}$/, { error })
    .transform((raw) => (raw === '' ? fallback : Number(raw)))
    .pipe(z.number().min(min, { error }).max(max, { error }))
    .default(fallback)
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback });
}

/** A user id in a path: a positive integer that fits a bigint. */
export const userId = z.string().regex(BIGINT_ID, { error: 'A user id is a positive integer' });

export const sessionId = z
  .string()
  .regex(SESSION_ID, { error: 'A session id is a UUID' })
  .meta({ format: 'uuid' });

/** Seconds, or a duration like `30m`, `12h`, `PT1H`: whole seconds above zero. */
export const positiveDuration = z
  .union([z.string(), z.number()], {
    error: 'duration must be a number of seconds or a duration like 30m',
  })
  .pipe(durationSchema({ subject: 'duration' }));
