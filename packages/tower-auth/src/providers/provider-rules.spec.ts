import { describe, expect, it } from '@jest/globals';
import { githubEndpoints } from './github-login.provider.js';
import { GOOGLE_ISSUER } from './google-login.provider.js';
import { allowsInsecure, splitName } from './oauth-client.js';
import { returnPath } from './oauth-login.controller.js';
import { pickEmail } from './oidc-login.provider.js';

describe('pickEmail (which OIDC claim gives the e-mail)', () => {
  it('prefers the id_token email, then userinfo, then preferred_username, then upn', () => {
    const idToken = { preferred_username: 'ada@pref.example', upn: 'ada@upn.example' };
    const userInfo = { email: 'ada@userinfo.example', email_verified: true };
    expect(pickEmail([{ ...idToken, email: 'Ada@Token.Example' }, userInfo])).toEqual({
      email: 'ada@token.example',
      verifiedClaim: undefined,
    });
    expect(pickEmail([idToken, userInfo])).toEqual({
      email: 'ada@userinfo.example',
      verifiedClaim: true,
    });
    expect(pickEmail([idToken])?.email).toBe('ada@pref.example');
    expect(pickEmail([{ preferred_username: 'ada', upn: 'ada@upn.example' }])?.email).toBe(
      'ada@upn.example',
    );
  });

  it('ignores claims that are not e-mail addresses', () => {
    expect(pickEmail([{ email: 'not an address', preferred_username: 'ada', upn: 42 }])).toBeNull();
    expect(pickEmail([{ email: '"ada"@example.com' }])).toBeNull();
  });

  it('reads email_verified beside the address it came with', () => {
    expect(pickEmail([{ email: 'a@x.example', email_verified: false }])?.verifiedClaim).toBe(false);
    expect(pickEmail([{}, { email: 'a@x.example', email_verified: 'false' }])?.verifiedClaim).toBe(
      'false',
    );
  });

  it('never lets email_verified vouch for a preferred_username or upn', () => {
    const claims = { preferred_username: 'ada@pref.example', email_verified: true };
    expect(pickEmail([claims])).toEqual({ email: 'ada@pref.example', verifiedClaim: undefined });
    expect(pickEmail([{ upn: 'ada@upn.example', email_verified: true }])?.verifiedClaim).toBe(
      undefined,
    );
  });
});

describe('githubEndpoints', () => {
  it('uses api.github.com for github.com', () => {
    expect(githubEndpoints('https://github.com')).toEqual({
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      api: 'https://api.github.com',
    });
  });

  it('uses <server>/api/v3 for a GitHub Enterprise Server', () => {
    expect(githubEndpoints('https://ghe.example.com')).toEqual({
      authorization: 'https://ghe.example.com/login/oauth/authorize',
      token: 'https://ghe.example.com/login/oauth/access_token',
      api: 'https://ghe.example.com/api/v3',
    });
  });
});

describe('returnPath (where to go after signing in)', () => {
  const server = 'https://tower.example.com';

  it('keeps paths and same-origin URLs', () => {
    expect(returnPath('/pipelines?x=1#top', server)).toBe('/pipelines?x=1#top');
    expect(returnPath('https://tower.example.com/runs/1?y=2', server)).toBe('/runs/1?y=2');
  });

  it('drops other origins and protocol-relative or odd paths', () => {
    for (const next of [
      'https://evil.example/x',
      'http://tower.example.com/x',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'pipelines',
      ['/a', '/b'],
      undefined,
    ]) {
      expect(returnPath(next, server)).toBeNull();
    }
  });
});

describe('provider helpers', () => {
  it('allows plain http only for a loopback provider or in unsafe mode', () => {
    expect(allowsInsecure('http://127.0.0.1:8080/realms/x', false)).toBe(true);
    expect(allowsInsecure('http://localhost/realms/x', false)).toBe(true);
    expect(allowsInsecure('http://idp.example.com/realms/x', false)).toBe(false);
    expect(allowsInsecure('http://idp.example.com/realms/x', true)).toBe(true);
    expect(allowsInsecure('https://idp.example.com', false)).toBe(false);
  });

  it('splits a display name into first and last names', () => {
    expect(splitName('Ada King Lovelace')).toEqual({ firstName: 'Ada', lastName: 'King Lovelace' });
    expect(splitName('Prince')).toEqual({ firstName: 'Prince', lastName: null });
    expect(splitName('  ')).toEqual({ firstName: null, lastName: null });
  });

  it('keeps Google at its fixed issuer', () => {
    expect(GOOGLE_ISSUER).toBe('https://accounts.google.com');
  });
});
