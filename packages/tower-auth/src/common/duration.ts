import { z } from 'zod';

/**
 * Durations as Micronaut (and therefore Seqera's tower.yml) writes them: `30m`, `6h`, `3600s`,
 * `1d`, `500ms`, ISO-8601 `PT1H`, or bare seconds. Results are whole seconds because every
 * consumer (JWT `exp`, cookie `Max-Age`, SQL intervals) works in seconds.
 */
export class DurationError extends Error {
  /** The message without the value, e.g. `is negative (use e.g. 30m, …)`. */
  readonly reason: string;

  constructor(
    readonly input: unknown,
    problem: string,
  ) {
    const reason = `${problem} (${DURATION_FORMS})`;
    super(`${describeInput(input)} ${reason}`);
    this.reason = reason;
    this.name = 'DurationError';
  }
}

export const DURATION_FORMS = 'use e.g. 30m, 6h, 3600s, 1d, PT1H or a number of seconds';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
const SUFFIXED = /^(\d+)\s*(ms|s|m|h|d)?$/i;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;

/** Parses a duration into whole seconds (zero allowed); throws only `DurationError`. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return checked(value, value);
  if (typeof value !== 'string') throw new DurationError(value, 'is not a duration');
  const text = value.trim();
  const suffixed = SUFFIXED.exec(text);
  if (suffixed) {
    const [amount, unit] = [Number(suffixed[1]), (suffixed[2] ?? 's').toLowerCase()];
    return checked(value, unit === 'ms' ? amount / 1000 : amount * UNIT_SECONDS[unit]);
  }
  const iso = ISO.exec(text);
  if (iso && text.length > 1 && !/T$/i.test(text)) {
    const [days, hours, minutes, seconds] = iso.slice(1, 5).map((part) => Number(part ?? 0));
    return checked(value, days * 86400 + hours * 3600 + minutes * 60 + seconds);
  }
  throw new DurationError(value, text.startsWith('-') ? 'is negative' : 'is not a duration');
}

/** Like `parseDuration` but also rejects zero. */
export function parsePositiveDuration(value: string | number): number {
  const seconds = parseDuration(value);
  if (seconds === 0) throw new DurationError(value, 'must be longer than zero');
  return seconds;
}

/**
 * A duration field: seconds as a number, or a duration as text; `subject` starts each problem
 * (`duration is negative (use e.g. …)`).
 */
export function durationSchema({ allowZero = false, subject = '' } = {}) {
  return z.union([z.number(), z.string()]).transform((raw, context) => {
    try {
      return allowZero ? parseDuration(raw) : parsePositiveDuration(raw);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      context.addIssue({ code: 'custom', message: `${subject} ${error.reason}`.trimStart() });
      return z.NEVER;
    }
  });
}

function checked(input: unknown, seconds: number): number {
  if (!Number.isFinite(seconds)) throw new DurationError(input, 'is not a duration');
  if (seconds < 0) throw new DurationError(input, 'is negative');
  if (!Number.isInteger(seconds)) {
    throw new DurationError(input, 'is not a whole number of seconds');
  }
  if (!Number.isSafeInteger(seconds)) throw new DurationError(input, 'is too long');
  return seconds;
}

function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return String(input);
  return 'The value';
}
