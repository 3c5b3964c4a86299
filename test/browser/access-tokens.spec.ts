import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { AccessTokenService } from '../../packages/tower-auth/src/access-tokens/access-token.service.js';
import { SessionService } from '../../packages/tower-auth/src/sessions/session.service.js';
import { createUser } from '../factories/users.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  describeInChromium,
  launchChromium,
  newContext,
  reservePort,
  screenshot,
  startServedApp,
  type PageTrouble,
  type ServedApp,
} from './chromium.js';

/** What the page's side of `evaluate` uses (the tests compile without the DOM library). */
interface BrowserGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
}

const ROOT_EMAIL = 'token-admin@example.com';
const KEY = /^tat_[1-9][0-9]*_[A-Za-z0-9_-]{43}$/;

describeInChromium('personal access tokens in the login page (Chromium)', () => {
  let db: TestDatabase;
  let app: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let trouble: PageTrouble;

  beforeAll(async () => {
    db = await createTestDatabase();
    const { port } = await reservePort();
    app = await startServedApp(port, { DATABASE_URL: db.url, TOWER_ROOT_USERS: ROOT_EMAIL });
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
    await app?.close();
    await db?.drop();
  });

  /** A signed-in browser: the cookies a login sets, for a new user. */
  async function signedInPage(email?: string): Promise<Page> {
    const user = await createUser(app.dataSource, email ? { email } : {});
    const issued = await app.app
      .get(SessionService)
      .startSession(user, 'email', { userAgent: 'jest', ipAddress: '127.0.0.1' });
    await context.addCookies([
      { name: 'JWT', value: issued.accessToken, url: `${app.url}/` },
      {
        name: 'JWT_REFRESH_TOKEN',
        value: issued.refreshToken,
        url: `${app.url}/oauth/access_token`,
      },
    ]);
    const page = await context.newPage();
    await page.goto(`${app.url}/auth`);
    await page.locator('#login:not([aria-busy])').waitFor({ state: 'attached' });
    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    return page;
  }

  const works = async (key: string): Promise<number> =>
    (await request(app.server).get('/demo/me').set('Authorization', `Bearer ${key}`)).status;

  it('creates a token with the keyboard, copies it, lists it and deletes it', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    const page = await signedInPage();

    await page.getByLabel('Token name').fill('nextflow-laptop');
    await page.getByLabel('Token name').press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: 'Created the token nextflow-laptop' })
      .waitFor();
    const key = (await page.locator('#token-key').textContent()) ?? '';
    expect(key).toMatch(KEY);
    expect(await page.locator('#token-export').textContent()).toBe(
      `export TOWER_ACCESS_TOKEN=${key}`,
    );
    // Focus went to the copy button: Enter copies.
    await page.locator('#token-copy:focus').waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Token copied' }).waitFor();
    const copied = await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText(),
    );
    expect(copied).toBe(key);
    expect(await works(key)).toBe(200);

    const row = page.getByRole('row').filter({ hasText: 'nextflow-laptop' });
    await expect(row.getByRole('cell', { name: 'Never' }).count()).resolves.toBe(1);
    await screenshot(page, 'tokens-created');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete the token nextflow-laptop' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Deleted the token nextflow-laptop' })
      .waitFor();
    expect(await row.count()).toBe(0);
    expect(await works(key)).toBe(401);
    expect(trouble.errors).toEqual([]);
    expect(trouble.offsite).toEqual([]);
  });

  it('refuses a second token of the same name in words, and deletes all tokens', async () => {
    const page = await signedInPage();
    const keys: string[] = [];
    for (const name of ['ci', 'tw']) {
      await page.getByLabel('Token name').fill(name);
      await page.getByRole('button', { name: 'Create token' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Created the token ${name}` })
        .waitFor();
      keys.push((await page.locator('#token-key').textContent()) ?? '');
    }
    await page.getByLabel('Token name').fill('CI');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'You already have a token named CI' })
      .waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete all tokens' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted all your tokens' }).waitFor();
    expect(await page.locator('#token-table tbody tr').count()).toBe(0);
    expect(await page.locator('#token-key').textContent()).toBe('');
    for (const key of keys) expect(await works(key)).toBe(401);
    expect(trouble.errors).toEqual([]);
  });

  it("lets a root user see a user's tokens in the admin view and revoke one", async () => {
    const owner = await createUser(app.dataSource, { email: 'token-owner@example.com' });
    const created = await app.app
      .get(AccessTokenService)
      .create(owner.id, { name: 'cluster', expiresAt: null }, { userAgent: null, ipAddress: null });
    const page = await signedInPage(ROOT_EMAIL);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(`${app.url}/auth/admin`);
    await page.getByRole('button', { name: 'Show the tokens of token-owner@example.com' }).click();
    await page.getByRole('cell', { name: 'cluster', exact: true }).waitFor();
    await page
      .getByRole('button', { name: 'Revoke the token cluster of token-owner@example.com' })
      .click();
    await page.getByRole('status').filter({ hasText: 'Revoked the token cluster' }).waitFor();
    expect(await works(created.accessKey)).toBe(401);
    expect(trouble.errors).toEqual([]);
  });
});
