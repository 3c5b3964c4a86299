import { expect } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { Clock } from '../../packages/tower-auth/src/common/clock.js';
import type { HttpPlatform } from '../../src/config/service-settings.js';
import { FLOW_COOKIE } from '../../packages/tower-auth/src/providers/login-flow.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import type { FakeGithub } from '../harness/fake-github.js';
import type { TestOidcProvider } from '../harness/oidc-provider.js';
import { Browser, type Page } from './browser.js';

/** The test configuration's server URL (the default). */
export const SERVER = 'http://localhost:8000';
export const CALLBACK = (provider: string): string => `${SERVER}/oauth/callback/${provider}`;

export interface ProviderApp extends TestApp {
  dataSource: DataSource;
  browser(): Browser;
}

export async function startProviderApp(
  platform: HttpPlatform,
  env: Record<string, string | undefined>,
  clock?: Clock,
): Promise<ProviderApp> {
  const t = await startTestApp(platform, env, clock);
  return {
    ...t,
    dataSource: t.app.get(DataSource),
    browser: () => new Browser({ server: t.server, serverUrl: t.config.serverUrl }),
  };
}

/** TOWER_OIDC_* for a TestOidcProvider. */
export function oidcEnv(op: TestOidcProvider, issuer = op.issuer): Record<string, string> {
  return {
    TOWER_OIDC_CLIENT: op.clientId,
    TOWER_OIDC_SECRET: op.clientSecret,
    TOWER_OIDC_ISSUER: issuer,
  };
}

/** `GET /oauth/login/<provider>`: the 303 to the provider. */
export async function startLogin(browser: Browser, provider: string, query = ''): Promise<Page> {
  return browser.get(`${SERVER}/oauth/login/${provider}${query}`);
}

/**
 * Follows the provider's redirects and completes its login and consent interactions as
 * `account` (or aborts), until the provider sends the browser back to the service (at
 * `serverUrl`); returns that callback URL without visiting it.
 */
export async function authorize(
  browser: Browser,
  url: string,
  act: { account: string } | { abort: true },
  serverUrl = SERVER,
): Promise<string> {
  let current = url;
  for (let step = 0; step < 12; step++) {
    if (current.startsWith(`${serverUrl}/`)) return current;
    const page = await browser.get(current);
    if (page.location) {
      current = page.location;
      continue;
    }
    const prompt = (page.body as { prompt?: string }).prompt;
    if (!prompt) throw new Error(`unexpected page at ${current}: ${JSON.stringify(page.body)}`);
    const done =
      'abort' in act
        ? await browser.post(`${current}/abort`, {})
        : await browser.post(`${current}/${prompt === 'login' ? 'login' : 'consent'}`, {
            account: act.account,
          });
    if (!done.location) throw new Error(`interaction failed: ${JSON.stringify(done.body)}`);
    current = done.location;
  }
  throw new Error('too many redirects');
}

/** The whole browser journey up to the service's answer to the callback. */
export async function signIn(
  browser: Browser,
  provider: string,
  account: string,
  query = '',
): Promise<Page> {
  const start = await startLogin(browser, provider, query);
  expect(start.status).toBe(303);
  const callback = await authorize(browser, start.location!, { account });
  return browser.get(callback);
}

export function expectSuccess(page: Page): void {
  expect({ status: page.status, location: page.location }).toEqual({
    status: 303,
    location: `${SERVER}/auth?success=true`,
  });
  expect(page.setCookies.some((c) => c.startsWith('JWT='))).toBe(true);
  expectFlowCleared(page);
}

/** A refused login; a callback also clears the flow cookie (a refused start never set one). */
export function expectFailure(page: Page, code: string): void {
  expect({ status: page.status, location: page.location }).toEqual({
    status: 303,
    location: `${SERVER}/auth?success=false&error=${code}`,
  });
  expect(page.setCookies.filter((c) => /^JWT(_REFRESH_TOKEN)?=./.test(c))).toEqual([]);
  if (page.url.includes('/oauth/callback/')) expectFlowCleared(page);
  else expect(page.setCookies.filter((c) => c.startsWith(`${FLOW_COOKIE}=`))).toEqual([]);
}

export function expectFlowCleared(page: Page): void {
  expect(page.setCookies).toContainEqual(expect.stringMatching(`^${FLOW_COOKIE}=;.*Max-Age=0`));
}

export async function sessionCount(ds: DataSource): Promise<number> {
  const [row] = await ds.query(`SELECT count(*)::int AS n FROM tower_auth.sessions`);
  return (row as { n: number }).n;
}

/** Audit rows are written after the response; wait for the `login_failure` rows to grow. */
export async function nextLoginFailure(
  ds: DataSource,
  after: number,
): Promise<{ id: number; provider: string; detail: Record<string, unknown> }> {
  // By the clock, not by a count of polls: on a loaded CI machine an insert can take seconds.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const rows = await ds.query(
      `SELECT id::int AS id, provider, detail FROM tower_auth.audit_events
        WHERE type = 'login_failure' AND id > $1 ORDER BY id LIMIT 1`,
      [after],
    );
    if (rows.length > 0) return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no login_failure audit row');
}

/**
 * The newest audit row id once earlier logins' rows have landed (they are written after the
 * response, so a straggler from the previous test could otherwise pass for this one's).
 */
export async function lastAuditId(ds: DataSource): Promise<number> {
  const read = async (): Promise<number> => {
    const [row] = await ds.query(
      `SELECT coalesce(max(id), 0)::int AS id FROM tower_auth.audit_events`,
    );
    return (row as { id: number }).id;
  };
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 40));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** TOWER_GITHUB_* for a FakeGithub. */
export function githubEnv(github: FakeGithub): Record<string, string> {
  return {
    TOWER_GITHUB_CLIENT: github.clientId,
    TOWER_GITHUB_SECRET: github.clientSecret,
    TOWER_GITHUB_SERVER_URL: github.url,
  };
}
