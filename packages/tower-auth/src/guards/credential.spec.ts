import { describe, expect, it } from '@jest/globals';
import { bearerToken, extractCredential } from './credential.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc   ', 'abc'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    ['Bearer'],
    ['Bearer '],
    ['Bearer    '],
    ['Bearer a b'],
    ['Bearer\tabc'],
    ['Bearerabc'],
    ['Basic dXNlcjpwYXNz'],
    ['Token abc'],
    [''],
  ])('refuses %j', (header) => {
    expect(bearerToken(header)).toBeNull();
  });
});

describe('extractCredential', () => {
  it('prefers the Bearer header to the JWT cookie, and falls back to the cookie', () => {
    expect(extractCredential({ authorization: 'Bearer a', cookie: 'JWT=b' })).toEqual({
      tokens: ['a'],
      via: 'bearer',
    });
    expect(extractCredential({ authorization: 'Basic x', cookie: 'JWT=b; JWT="c"' })).toEqual({
      tokens: ['b', 'c'],
      via: 'cookie',
    });
    expect(extractCredential({})).toBeNull();
  });
});
