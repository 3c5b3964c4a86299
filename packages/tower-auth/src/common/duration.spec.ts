import { describe, expect, it } from '@jest/globals';
import { DurationError, parseDuration, parsePositiveDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30m', 1800],
    ['6h', 21600],
    ['3600s', 3600],
    ['1d', 86400],
    ['2000ms', 2],
    ['3600', 3600],
    [' 12H ', 43200],
    ['PT1H', 3600],
    ['PT1H30M', 5400],
    ['P1DT2H', 93600],
    ['pt45s', 45],
    ['0', 0],
  ])('reads %j as %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it('reads numbers as seconds', () => {
    expect(parseDuration(3600)).toBe(3600);
    expect(parseDuration(0)).toBe(0);
  });

  it.each([
    '',
    'abc',
    '1w',
    '1.5h',
    '-5m',
    '5 minutes',
    '500ms',
    '1500ms',
    'P',
    'PT',
    'P1DT',
    '1e3',
    'h',
  ])('rejects %j with a DurationError', (input) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %p', (input) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
  });

  it('rejects values too large to count in seconds', () => {
    expect(() => parseDuration('99999999999999999999d')).toThrow(/too long/);
  });

  it('throws only DurationError, even for values of the wrong type', () => {
    expect(() => parseDuration(null as unknown as string)).toThrow(DurationError);
    expect(() => parseDuration({} as unknown as string)).toThrow(DurationError);
  });

  it('names the value and the accepted forms', () => {
    expect(() => parseDuration('soon')).toThrow(
      '"soon" is not a duration (use e.g. 30m, 6h, 3600s, 1d',
    );
  });

  it('says when a value is negative', () => {
    expect(() => parseDuration('-5m')).toThrow('"-5m" is negative');
  });
});

describe('parsePositiveDuration', () => {
  it('accepts positive durations', () => {
    expect(parsePositiveDuration('1s')).toBe(1);
  });

  it.each(['0', '0s', 'PT0S', 0])('rejects zero written as %p', (input) => {
    expect(() => parsePositiveDuration(input)).toThrow('must be longer than zero');
  });
});
