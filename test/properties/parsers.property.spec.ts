import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { matchesPattern } from '../../packages/tower-auth/src/allow-list/allow-list.service.js';
import { DurationError, parseDuration } from '../../packages/tower-auth/src/common/duration.js';
import { extractCredential } from '../../packages/tower-auth/src/guards/credential.js';
import { cookieValues } from '../../packages/tower-auth/src/http/cookies.js';
import { AuthError } from '../../packages/tower-auth/src/common/auth-error.js';
import { KeyRing } from '../../packages/tower-auth/src/tokens/key-ring.js';
import { TokenService } from '../../packages/tower-auth/src/tokens/token.service.js';
import { normaliseEmail } from '../../packages/tower-auth/src/users/email.js';
import { testConfig } from '../harness/app.js';

/**
 * Random and adversarial input never makes a parser throw anything but its documented
 * validation error, and what the parsers accept keeps their promises.
 */
const RUNS = { numRuns: 2000 };

/** Strings that look like the real thing more often than uniform noise does. */
const durationish = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc
    .tuple(
      fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 20n })),
      fc.constantFrom('', 's', 'm', 'h', 'd', 'ms', 'MS', ' h', 'x', 'PT', 'D'),
    )
    .map(([n, unit]) => `${n}${unit}`),
  fc
    .tuple(fc.option(fc.nat(99)), fc.option(fc.nat(99)), fc.option(fc.nat(99)))
    .map(
      ([h, m, s]) =>
        `PT${h ?? ''}${h === null ? '' : 'H'}${m ?? ''}${m === null ? '' : 'M'}${s ?? ''}${s === null ? '' : 'S'}`,
    ),
);

describe('duration parser', () => {
  it('returns whole non-negative seconds or throws DurationError, for any string or number', () => {
    fc.assert(
      fc.property(fc.oneof(durationish, fc.double(), fc.integer()), (input) => {
        try {
          const seconds = parseDuration(input);
          expect(Number.isSafeInteger(seconds) && seconds >= 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(DurationError);
          expect((error as Error).message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('reads every unit the way Micronaut does', () => {
    const units = { s: 1, m: 60, h: 3600, d: 86400 } as const;
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.constantFrom<keyof typeof units>('s', 'm', 'h', 'd'),
        (n, unit) => {
          expect(parseDuration(`${n}${unit}`)).toBe(n * units[unit]);
          expect(parseDuration(` ${n}${unit.toUpperCase()} `)).toBe(n * units[unit]);
        },
      ),
      RUNS,
    );
  });
});

/** Local parts and domains built from the characters that matter, including hostile ones. */
const emailish = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9.+_"@ \u0430\uff41-\uff5a-]{0,20}$/),
      fc.stringMatching(/^[A-Za-z0-9.\-\u0430\uff41-\uff5a@]{0,20}$/),
    )
    .map(([local, domain]) => `${local}@${domain}`),
);

describe('e-mail normaliser', () => {
  it('accepts the plain addresses a generator of RFC 5322 addresses makes, lower-cased', () => {
    fc.assert(
      fc.property(fc.emailAddress({ size: 'small' }), (email) => {
        fc.pre(email.length <= 254 && email.split('@')[0].length <= 64);
        expect(normaliseEmail(` ${email.toUpperCase()} `)).toBe(email.toLowerCase());
      }),
      RUNS,
    );
  });

  it('never throws, and what it accepts is a canonical single-@ ASCII address', () => {
    fc.assert(
      fc.property(fc.oneof(emailish, fc.anything()), (input) => {
        const email = normaliseEmail(input);
        if (email === null) return;
        expect(email.split('@')).toHaveLength(2);
        expect(email).toBe(email.trim().toLowerCase().normalize('NFKC'));
        expect(/^[\x21-\x7e]+$/.test(email)).toBe(true);
        expect(/["\s]/.test(email)).toBe(false);
        expect(email.length).toBeLessThanOrEqual(254);
        expect(normaliseEmail(email)).toBe(email);
      }),
      RUNS,
    );
  });
});

/** A naive, obviously-correct reference: all ways to split the text among the stars. */
function referenceMatch(text: string, pattern: string): boolean {
  if (pattern === '') return text === '';
  if (pattern[0] === '*') {
    for (let i = 0; i <= text.length; i++) {
      if (referenceMatch(text.slice(i), pattern.slice(1))) return true;
    }
    return false;
  }
  return text[0] === pattern[0] && referenceMatch(text.slice(1), pattern.slice(1));
}

describe('allow-list matcher', () => {
  const alphabet = fc.constantFrom('a', 'b', '@', '.', '*', '+', '?', '[', '\\');
  const small = (max: number) => fc.array(alphabet, { maxLength: max }).map((c) => c.join(''));

  it('agrees with a brute-force matcher on small alphabets (stars are the only wildcard)', () => {
    fc.assert(
      fc.property(small(10), small(8), (text, pattern) => {
        expect(matchesPattern(text, pattern)).toBe(referenceMatch(text, pattern));
      }),
      { numRuns: 5000 },
    );
  });

  it('matches every address against a pattern made from it by replacing runs with *', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.nat(), fc.nat(), (email, a, b) => {
        const [from, to] = [a % (email.length + 1), b % (email.length + 1)].sort((x, y) => x - y);
        expect(matchesPattern(email, `${email.slice(0, from)}*${email.slice(to)}`)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('token and credential parsers', () => {
  const tokens = new TokenService(
    testConfig(),
    { now: () => Date.now() },
    new KeyRing(testConfig()),
  );
  const jwtish = fc.oneof(
    fc.string(),
    fc.string({ maxLength: 3000 }),
    fc
      .tuple(fc.base64String(), fc.base64String(), fc.base64String())
      .map((parts) =>
        parts.map((p) => p.replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_')).join('.'),
      ),
    fc
      .tuple(fc.json(), fc.json())
      .map(
        ([h, p]) =>
          `${Buffer.from(h).toString('base64url')}.${Buffer.from(p).toString('base64url')}.sig`,
      ),
  );

  it('verify() throws only an AuthError for anything that is not a token we signed', () => {
    fc.assert(
      fc.property(jwtish, (token) => {
        expect(() => tokens.verify(token)).toThrow(AuthError);
        expect(() => tokens.verify(token, { allowExpired: true })).toThrow(AuthError);
      }),
      RUNS,
    );
  });

  it('a signed token with any single character changed is refused', () => {
    const token = tokens.sign({
      userId: '42',
      sessionId: '3b241101-e2bb-4255-8caf-4136c566a962',
      roles: ['user'],
    });
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom('A', 'b', '_', '-', '0'), (i, c) => {
        fc.pre(token[i] !== c && token[i] !== '.');
        const altered = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
        let accepted = false;
        try {
          accepted = tokens.verify(altered).sub === '42';
        } catch (error) {
          expect(error).toBeInstanceOf(AuthError);
        }
        // Base64url's last character may carry unused bits: the same bytes, the same token.
        if (accepted)
          expect(Buffer.from(altered.split('.')[2], 'base64url')).toEqual(
            Buffer.from(token.split('.')[2], 'base64url'),
          );
      }),
      RUNS,
    );
  });

  it('header and cookie parsing never throws on arbitrary headers', () => {
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(fc.string(), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.option(header), fc.option(header), (authorization, cookie) => {
        const headers = {
          authorization: authorization ?? undefined,
          cookie: cookie ?? undefined,
        } as Record<string, string | string[] | undefined>;
        const credential = extractCredential(headers);
        if (credential) {
          expect(credential.tokens.length).toBeGreaterThan(0);
          expect(credential.tokens.every((t) => t.length > 0)).toBe(true);
        }
        expect(cookieValues(headers.cookie, 'JWT').length).toBeLessThanOrEqual(4);
      }),
      RUNS,
    );
  });
});
