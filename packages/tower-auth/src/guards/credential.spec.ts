import { describe, expect, it } from '@jest/globals';
import {
  bearerToken,
  extractCredential,
  fromAnotherSite,
  passesOriginCheck,
} from './credential.js';

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

describe('fromAnotherSite and passesOriginCheck', () => {
  const origin = 'https://tower.example.com';

  it.each([
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site' }],
    [{ origin: 'https://evil.example' }],
    [{ origin: 'https://sub.tower.example.com' }],
    [{ origin: 'http://tower.example.com' }],
    [{ origin: 'null' }],
    [{ origin, 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }],
  ])('another site: %j', (headers) => {
    expect(fromAnotherSite(headers, origin)).toBe(true);
    expect(passesOriginCheck('POST', headers, origin)).toBe(false);
    expect(passesOriginCheck('GET', headers, origin)).toBe(true);
  });

  it.each([
    [{}],
    [{ origin }],
    [{ 'sec-fetch-site': 'same-origin' }],
    [{ 'sec-fetch-site': 'none' }],
    [{ origin, 'sec-fetch-site': 'same-origin' }],
  ])('this site, or not a browser: %j', (headers) => {
    expect(fromAnotherSite(headers, origin)).toBe(false);
    expect(passesOriginCheck('DELETE', headers, origin)).toBe(true);
  });
});
