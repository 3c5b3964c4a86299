import { describe, expect, it } from '@jest/globals';
import os from 'node:os';
import { loadTowerConfigOrThrow } from '../config/config.loader.js';
import type { TowerConfig } from '../config/tower-config.types.js';
import { FLOW_COOKIE, FLOW_COOKIE_CROSS_SITE, FlowCookies, HOST_PREFIX } from './login-flow.js';
import { KeyRing } from '../tokens/key-ring.js';

function testConfig(env: Record<string, string> = {}): TowerConfig {
  return loadTowerConfigOrThrow({
    env: { TOWER_JWT_SECRET: 'a-jwt-secret-that-is-long-enough-for-tests-0123', ...env },
    cwd: os.tmpdir(),
  });
}

class Clock {
  constructor(public current = Date.now()) {}
  now(): number {
    return this.current;
  }
}

/** The `name=value` pairs of Set-Cookie lines, as a browser would send them back. */
function sent(setCookies: string[]): string {
  return setCookies.map((line) => line.split(';')[0]).join('; ');
}

describe('FlowCookies', () => {
  const config = testConfig();
  const clock = new Clock();
  const flows = new FlowCookies(config, clock, new KeyRing(config));

  it('round-trips a flow and reveals none of it in the cookie', () => {
    const flow = flows.create('oidc', '/pipelines');
    const cookies = flows.seal(flow);
    expect(flows.open(sent(cookies))).toEqual(flow);
    for (const secret of [flow.state, flow.nonce, flow.codeVerifier, '/pipelines']) {
      expect(cookies.join()).not.toContain(secret);
    }
  });

  it('makes fresh random state, nonce and PKCE verifier every time', () => {
    const a = flows.create('github', null);
    const b = flows.create('github', null);
    expect(a.state).not.toBe(b.state);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.codeVerifier.length).toBeGreaterThanOrEqual(43);
  });

  it('refuses an altered cookie, one sealed under another secret, and an expired one', () => {
    const flow = flows.create('google', null);
    const [line] = flows.seal(flow);
    const value = line.split(';')[0].slice(FLOW_COOKIE.length + 1);
    for (let i = 3; i < value.length; i += 7) {
      const altered = `${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
      expect(flows.open(`${FLOW_COOKIE}=${altered}`)).toBeNull();
    }
    const otherConfig = testConfig({
      TOWER_JWT_SECRET: 'another-secret-that-is-also-long-enough-0123',
    });
    const other = new FlowCookies(otherConfig, clock, new KeyRing(otherConfig));
    expect(other.open(`${FLOW_COOKIE}=${value}`)).toBeNull();
    const later = new FlowCookies(config, new Clock(clock.current + 601_000), new KeyRing(config));
    expect(later.open(`${FLOW_COOKIE}=${value}`)).toBeNull();
    expect(flows.open(`${FLOW_COOKIE}=${value}`)).toEqual(flow);
    expect(flows.open(`${FLOW_COOKIE}=garbage; ${FLOW_COOKIE}=v1.AAAA`)).toBeNull();
  });

  it('sets a 10-minute HttpOnly SameSite=Lax cookie on http, with no cross-site copy', () => {
    const cookies = flows.seal(flows.create('oidc', null));
    expect(cookies).toEqual([
      expect.stringMatching(
        new RegExp(`^${FLOW_COOKIE}=v1\\.[\\w-]+; Path=/; Max-Age=600; HttpOnly; SameSite=Lax$`),
      ),
    ]);
    expect(flows.cleared()).toEqual([`${FLOW_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`]);
  });

  it('on https: __Host- names, a Secure SameSite=None copy for form-POST callbacks', () => {
    const secureConfig = testConfig({ TOWER_SERVER_URL: 'https://tower.example.com' });
    const secure = new FlowCookies(secureConfig, clock, new KeyRing(secureConfig));
    const flow = secure.create('oidc', null);
    const cookies = secure.seal(flow);
    expect(cookies).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${HOST_PREFIX}${FLOW_COOKIE}=v1\\.[\\w-]+; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^${HOST_PREFIX}${FLOW_COOKIE_CROSS_SITE}=v1\\.[\\w-]+; Path=/; Max-Age=600; HttpOnly; SameSite=None; Secure$`,
        ),
      ),
    ]);
    // A cross-site POST carries only the SameSite=None copy; it is enough.
    expect(secure.open(sent(cookies.slice(1)))).toEqual(flow);
    expect(secure.cleared().map((c) => c.split('=')[0])).toEqual([
      `${HOST_PREFIX}${FLOW_COOKIE}`,
      `${HOST_PREFIX}${FLOW_COOKIE_CROSS_SITE}`,
    ]);
    // The same sealed value under a plain name (what a sibling subdomain can set) is ignored.
    const value = cookies[0].split(';')[0].split('=')[1];
    expect(secure.open(`${FLOW_COOKIE}=${value}; ${FLOW_COOKIE_CROSS_SITE}=${value}`)).toBeNull();
  });
});
