import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startPrefixedHost, type PrefixedHost } from '../harness/prefixed-host.js';
import { eventually, LogCapture } from '../mail/mail-kit.js';
import {
  describeInChromium,
  launchChromium,
  newContext,
  reservePort,
  type PageTrouble,
} from './chromium.js';

/*
 * The login page's script in a host under `setGlobalPrefix('v1')`: everything it fetches
 * (service-info, the session, the user, the heartbeat, the link request, sign-out) goes under
 * /v1, and the cookies it relies on are scoped there.
 */
describeInChromium('the login page of a host under /v1 in Chromium', () => {
  let db: TestDatabase;
  let host: PrefixedHost;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let trouble: PageTrouble;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase();
    const { port, url } = await reservePort();
    base = `${url}/v1`;
    // No SMTP host on a loopback URL: the links are written to the log.
    const config = testConfig({ DATABASE_URL: db.url, TOWER_SERVER_URL: base });
    host = await startPrefixedHost('fastify', config, { logger: logs });
    await (host.app as NestFastifyApplication).listen(port, '127.0.0.1');
    browser = await launchChromium();
  });

  beforeEach(async () => {
    ({ context, trouble } = await newContext(browser));
  });

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await db?.drop();
  });

  async function settled(page: Page): Promise<void> {
    await page.locator('#login:not([aria-busy])').waitFor({ state: 'attached' });
  }

  it('requests a link, signs in, renews by the refresh cookie and signs out, all under /v1', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/auth`);
    await settled(page);
    expect(await page.getByRole('alert').textContent()).toBe('');

    await page.getByLabel('E-mail address').fill('lin@example.com');
    await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
    await page.getByRole('status').filter({ hasText: 'Check your inbox' }).waitFor();
    const line = await eventually(
      () => logs.lines.find((l) => l.includes('DEVELOPMENT ONLY') && l.includes('li*@example.com')),
      'the logged sign-in link',
    );
    const link = /(http:\/\/\S+)/.exec(line)![1];
    expect(link.startsWith(`${base}/auth?uid=`)).toBe(true);

    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in as li*@example.com' }).click();
    await page.waitForURL(`${base}/auth?success=true`);
    await settled(page);
    expect(await page.locator('#user-email').textContent()).toBe('lin@example.com');
    const cookies = await context.cookies(`${base}/oauth/access_token`);
    expect(cookies.map((c) => [c.name, c.path]).sort()).toEqual([
      ['JWT', '/v1'],
      ['JWT_REFRESH_TOKEN', '/v1/oauth/access_token'],
    ]);

    // Without the access cookie the page renews it with the refresh cookie, under /v1.
    await context.clearCookies({ name: 'JWT' });
    const renewed = page.waitForResponse(
      (r) => r.url() === `${base}/oauth/access_token` && r.request().method() === 'GET',
    );
    await page.reload();
    expect((await renewed).status()).toBe(200);
    await settled(page);
    expect(await page.locator('#user-email').textContent()).toBe('lin@example.com');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    expect(await context.cookies(`${base}/oauth/access_token`)).toEqual([]);
    expect(trouble.errors).toEqual([]);
    expect(trouble.offsite).toEqual([]);
  });
});
