import { describe, expect, it } from '@jest/globals';
import { maskEmail, normaliseEmail } from './email.js';

describe('normaliseEmail', () => {
  it.each([
    ['  Ada@Example.COM ', 'ada@example.com'],
    ['ａｄａ@ｅｘａｍｐｌｅ.com', 'ada@example.com'],
    ['user+tag@sub.example.org', 'user+tag@sub.example.org'],
    ['o.k@localhost', 'o.k@localhost'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    ['a@b@c.com'],
    ['"x@evil.com"@company.com'],
    ['bob@cоmpany.com'],
    ['bob smith@x.com'],
    ['bob@x.com\r\nBcc: victim@y.com'],
    ['@x.com'],
    ['bob@'],
    ['bob@-x.com'],
    ['bob@x..com'],
    ['.bob@x.com'],
    ['bob.@x.com'],
    [''],
    ['plain'],
    [`${'a'.repeat(65)}@x.com`],
    [`a@${'b'.repeat(250)}.com`],
    ['x'.repeat(10_000)],
  ])('refuses %j', (input) => {
    expect(normaliseEmail(input)).toBeNull();
  });

  it.each([[null], [undefined], [42], [['a@b.com']], [{ email: 'a@b.com' }]])(
    'refuses the non-string %j',
    (input) => {
      expect(normaliseEmail(input)).toBeNull();
    },
  );
});

describe('maskEmail', () => {
  it('keeps the domain and the first letters only', () => {
    expect(maskEmail('ada.lovelace@example.com')).toBe('ad**********@example.com');
    expect(maskEmail('al@example.com')).toBe('a*@example.com');
    expect(maskEmail('a@example.com')).toBe('a*@example.com');
  });
});
