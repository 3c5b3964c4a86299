import { describe, expect, it } from '@jest/globals';
import { testConfigFor } from './allow-list.test-config.js';
import { AllowListService, matchesPattern } from './allow-list.service.js';

describe('matchesPattern', () => {
  it.each([
    ['bob@company.com', '*@company.com', true],
    ['bob@sub.company.com', '*@company.com', false],
    ['bob@sub.example.com', '*@*.example.com', true],
    ['bob@example.com', '*@*.example.com', false],
    ['user+ci@x.org', 'user+*@x.org', true],
    ['user@x.org', 'user+*@x.org', false],
    ['alice@example.net', 'alice@example.net', true],
    ['alice@example.net.evil.com', 'alice@example.net', false],
    ['xalice@example.net', 'alice@example.net', false],
    ['a.b@c.d', 'a?b@c.d', false],
    ['anything@anywhere', '*', true],
  ])('%s against %s is %s', (email, pattern, expected) => {
    expect(matchesPattern(email, pattern)).toBe(expected);
  });

  it('stays fast for a hostile address against a many-star pattern', () => {
    const email = `${'a'.repeat(240)}@b.c`;
    const started = process.hrtime.bigint();
    expect(matchesPattern(email, '*a*a*a*a*a*a*a*a*a*a*x@b.c')).toBe(false);
    // Not a timing assertion on the suite's speed: a backtracking regex takes minutes here.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});

describe('AllowListService', () => {
  const service = new AllowListService(
    testConfigFor({ email: ['*@company.com'], github: ['*@company.com', 'ext+*@partner.org'] }),
  );

  it('admits everybody when the list of a method is empty', () => {
    expect(service.admits('oidc', 'anyone@anywhere.org')).toBe(true);
  });

  it('normalises the address before matching', () => {
    expect(service.admits('email', '  Bob@COMPANY.com ')).toBe(true);
    expect(service.admits('email', 'bob@ｃｏｍｐａｎｙ.com')).toBe(true);
  });

  it('refuses other domains, look-alikes and malformed addresses', () => {
    expect(service.admits('email', 'bob@other.com')).toBe(false);
    expect(service.admits('email', 'bob@cоmpany.com')).toBe(false); // Cyrillic о
    expect(service.admits('email', 'a@b@company.com')).toBe(false);
    expect(service.admits('email', '"x@evil.com"@company.com')).toBe(false);
  });

  it('admits when any of several addresses matches', () => {
    expect(service.admits('github', ['me@home.net', 'ext+me@partner.org'])).toBe(true);
    expect(service.admits('github', ['me@home.net'])).toBe(false);
    expect(service.admits('github', [])).toBe(false);
  });
});
