import { describe, expect, it } from '@jest/globals';
import {
  basicToken,
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

describe('basicToken (older Nextflow: user @token, the token as password)', () => {
  const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;

  it('reads the password of the user @token, and counts it as a header credential', () => {
    expect(basicToken(basic('@token:tat_1_abc'))).toBe('tat_1_abc');
    expect(basicToken(`basic  ${Buffer.from('@token:x.y.z').toString('base64')} `)).toBe('x.y.z');
    expect(extractCredential({ authorization: basic('@token:tat_7_k'), cookie: 'JWT=c' })).toEqual({
      tokens: ['tat_7_k'],
      via: 'bearer',
    });
  });

  it.each([
    ['another user', basic('root:tat_1_abc')],
    ['no password', basic('@token:')],
    ['a password with a colon', basic('@token:a:b')],
    ['a password with a space', basic('@token:a b')],
    ['not base64', 'Basic %%%'],
    ['no credentials', 'Basic '],
    ['too long', basic(`@token:${'a'.repeat(5000)}`)],
    ['another scheme', 'Digest @token'],
  ])('refuses %s', (_name, header) => {
    expect(basicToken(header)).toBeNull();
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
