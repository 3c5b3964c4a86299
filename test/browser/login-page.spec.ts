import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LaunchCredentialsService } from '../../packages/tower-auth/src/launch/launch-credentials.service.js';
import { SessionService } from '../../packages/tower-auth/src/sessions/session.service.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider, type AccountClaims } from '../harness/oidc-provider.js';
import { linkFrom, TestSmtpServer, type ReceivedMail } from '../harness/smtp.js';
import { createUser } from '../factories/users.js';
import { smtpEnv } from '../mail/mail-kit.js';
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

/**
 * Short lifetimes, so the heartbeat visibly renews the access cookie within the test; a mail
 * the SMTP server fails to take (a loaded machine) is tried again well within the wait for it.
 */
const TOWER_YML = `
tower:
  auth:
    heartbeat-interval: 2s
    outbox:
      retry-delay: 1s
micronaut:
  security:
    token:
      generator:
        access-token:
          expiration: 5s
`;
const ROOT_EMAIL = 'grace@example.com';
/** With UPDATE_SCREENSHOTS=1 the sign-in and signed-in pages are saved for the README. */
const README_IMAGES = process.env.UPDATE_SCREENSHOTS === '1';

describeInChromium('the login page in Chromium', () => {
  let db: TestDatabase;
  let oidcOnlyDb: TestDatabase;
  let smtp: TestSmtpServer;
  let op: TestOidcProvider;
  let app: ServedApp;
  let oidcOnly: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let trouble: PageTrouble;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    const [main, only] = [await reservePort(), await reservePort()];
    op = await TestOidcProvider.start({
      htmlInteractions: true,
      redirectUris: [`${main.url}/oauth/callback/oidc`, `${only.url}/oauth/callback/oidc`],
    });
    const oidc = {
      TOWER_OIDC_CLIENT: op.clientId,
      TOWER_OIDC_SECRET: op.clientSecret,
      TOWER_OIDC_ISSUER: op.issuer,
      TOWER_OIDC_LABEL: 'Sign in with Okta',
    };
    app = await startServedApp(
      main.port,
      {
        DATABASE_URL: db.url,
        ...smtpEnv(smtp.port, { TOWER_APP_NAME: 'Tower' }),
        ...oidc,
        TOWER_AUTH_OIDC_ALLOW_LIST: '*@example.com',
        TOWER_ROOT_USERS: ROOT_EMAIL,
      },
      TOWER_YML,
    );
    // A database of its own: with no SMTP host this app is in development mode, and its outbox
    // worker would take (and log) sign-in e-mails the main app queued in a shared database.
    oidcOnlyDb = await createTestDatabase();
    oidcOnly = await startServedApp(only.port, {
      DATABASE_URL: oidcOnlyDb.url,
      ...oidc,
      TOWER_AUTH_DISABLE_EMAIL: 'true',
    });
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
    await oidcOnly?.close();
    await op?.close();
    await smtp?.stop();
    await db?.drop();
    await oidcOnlyDb?.drop();
  });

  /** The sign-in mail; if it never comes, the failure says what the outbox made of it. */
  async function mailTo(address: string): Promise<ReceivedMail> {
    try {
      return await smtp.waitForMailTo(address);
    } catch (error) {
      const rows = await app.dataSource.query(
        `SELECT status, attempts, last_error FROM tower_auth.mail_outbox WHERE recipient = $1`,
        [address],
      );
      throw new Error(`${(error as Error).message}; outbox: ${JSON.stringify(rows)}`, {
        cause: error,
      });
    }
  }

  /** Our pages never reach off the machine and never trip the CSP or throw. */
  function expectCleanPages(): void {
    const ours = (line: string): boolean =>
      line.startsWith(app.url) || line.startsWith(oidcOnly.url);
    expect(trouble.offsite.filter(ours)).toEqual([]);
    expect(trouble.errors).toEqual([]);
  }

  /** The page's script has checked the session and shown the view that fits. */
  async function settled(page: Page): Promise<void> {
    await page.locator('#login:not([aria-busy])').waitFor({ state: 'attached' });
  }

  /** oidc-provider's own login and consent pages, completed as `account`. */
  async function signInAtProvider(page: Page, account: AccountClaims): Promise<void> {
    await page.waitForURL((url) => url.href.startsWith(op.issuer));
    await page.locator('input[name=login]').fill(account.sub);
    await page.locator('input[name=password]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  async function cookie(name: string): Promise<{ value: string; expires: number } | undefined> {
    return (await context.cookies(app.url)).find((c) => c.name === name);
  }

  async function sessionRow(sessionEmail: string): Promise<{ idle: Date; revoked: Date | null }> {
    const [row] = await app.dataSource.query(
      `SELECT s.idle_expires_at AS idle, s.revoked_at AS revoked FROM tower_auth.sessions s
         JOIN tower_auth.users u ON u.id = s.user_id WHERE u.email = $1 ORDER BY s.created_at DESC LIMIT 1`,
      [sessionEmail],
    );
    return row;
  }

  it('(a) OIDC: provider login and consent, signed in, reload, heartbeat, sign out', async () => {
    const ada = op.addAccount({ email: 'ada@example.com' });
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    expect(page.url()).toBe(`${app.url}/auth`);
    await settled(page);
    await screenshot(page, 'a1-sign-in');
    if (README_IMAGES) await readmeShot(page, 'login-page');

    await page.getByRole('link', { name: 'Sign in with Okta' }).click();
    await signInAtProvider(page, ada);
    await page.waitForURL(`${app.url}/auth?success=true`);
    await settled(page);
    expect(await page.locator('#user-email').textContent()).toBe('ada@example.com');
    expect(await page.locator('#user-name').textContent()).toBe('Ada Lovelace');
    const expiry = page.locator('#session-expiry');
    expect(await expiry.getAttribute('datetime')).toBe(
      (await sessionRow('ada@example.com')).idle.toISOString(),
    );
    expect(await page.locator('#admin-link').isHidden()).toBe(true);
    await screenshot(page, 'a2-signed-in');
    if (README_IMAGES) await readmeShot(page, 'signed-in-page');

    await page.reload();
    await settled(page);
    expect(await page.locator('#user-email').textContent()).toBe('ada@example.com');

    // The heartbeat renews the 5-second access cookie every 2 seconds while the page is open.
    const before = (await cookie('JWT'))!;
    const idleBefore = await expiry.getAttribute('datetime');
    const beat = await page.waitForResponse(
      (r) => r.url() === `${app.url}/oauth/access_token` && r.request().method() === 'GET',
    );
    expect(beat.status()).toBe(200);
    const after = (await cookie('JWT'))!;
    expect(after.value).not.toBe(before.value);
    expect(after.expires).toBeGreaterThan(before.expires);
    // Polled through the locator: a string predicate (waitForFunction) is an eval the CSP refuses.
    for (let waited = 0; (await expiry.getAttribute('datetime')) === idleBefore; waited += 100) {
      if (waited > 10_000) throw new Error('the shown expiry never moved');
      await page.waitForTimeout(100);
    }
    expect(Date.parse((await expiry.getAttribute('datetime'))!)).toBeGreaterThan(
      Date.parse(idleBefore!),
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with Okta' }).isVisible()).toBe(true);
    expect(await cookie('JWT')).toBeUndefined();
    expect((await sessionRow('ada@example.com')).revoked).not.toBeNull();
    expect((await page.request.get(`${app.url}/user-info`)).status()).toBe(401);
    await screenshot(page, 'a3-signed-out');
    expectCleanPages();
  });

  it('(b) magic link: ask for it, open the e-mail, press the button, signed in', async () => {
    const page = await context.newPage();
    await page.goto(`${app.url}/auth`);
    await settled(page);
    await page.getByLabel('E-mail address').fill('Hedy@Example.com');
    await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
    await page.getByRole('status').filter({ hasText: 'Check your inbox' }).waitFor();
    await screenshot(page, 'b1-link-requested');

    const { url } = linkFrom(await mailTo('hedy@example.com'));
    await page.goto(url.href);
    expect(await page.locator('script').count()).toBe(0);
    const button = page.getByRole('button', { name: 'Sign in as he**@example.com' });
    await screenshot(page, 'b2-confirm');
    await button.click();
    await page.waitForURL(`${app.url}/auth?success=true`);
    await settled(page);
    expect(await page.locator('#user-email').textContent()).toBe('hedy@example.com');
    await screenshot(page, 'b3-signed-in');
    expectCleanPages();
  });

  it('(c) a login the allow list refuses ends on the error, in words', async () => {
    const outsider = op.addAccount({ email: 'mallory@elsewhere.org' });
    const page = await context.newPage();
    await page.goto(`${app.url}/auth`);
    await page.getByRole('link', { name: 'Sign in with Okta' }).click();
    await signInAtProvider(page, outsider);
    await page.waitForURL(`${app.url}/auth?success=false&error=not_allowed`);
    expect(await page.getByRole('alert').textContent()).toBe(
      'This account is not allowed to sign in here.',
    );
    expect(await cookie('JWT')).toBeUndefined();
    await screenshot(page, 'c-not-allowed');
    expectCleanPages();
  });

  it('(d) the keyboard alone reaches every control, with visible focus, at 320 px', async () => {
    await context.close();
    ({ context, trouble } = await newContext(browser, { width: 320, height: 640 }));
    const page = await context.newPage();
    await page.goto(`${app.url}/auth`);
    await settled(page);
    await expectNoSideScroll(page);
    expect(await tabThrough(page)).toEqual([
      'a:Sign in with Okta',
      'input:email',
      'button:E-mail me a sign-in link',
    ]);

    // Signed in with the keyboard only: Tab to the field, type, Enter; open the link, Tab to
    // the button, Enter. Each page starts afresh, focus at the top.
    await page.reload();
    await settled(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type('keys@example.com');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Check your inbox' }).waitFor();
    const { url } = linkFrom(await smtp.waitForMailTo('keys@example.com'));
    await page.goto(url.href);
    expect(await tabThrough(page)).toEqual(['button:Sign in as ke**@example.com']);
    await page.reload();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/auth?success=true`);
    await settled(page);
    await expectNoSideScroll(page);
    expect(await tabThrough(page)).toEqual([
      'a:Continue',
      'button:Sign out',
      'input:token-name',
      'button:Create token',
    ]);
    await screenshot(page, 'd-keyboard-signed-in');

    await page.reload();
    await settled(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    // Focus moves to the heading of the view that replaced the one signed out of.
    expect(await page.locator(':focus').textContent()).toBe('Sign in to Tower');
    expectCleanPages();
  });

  it('a sign-out link on another site only asks; the button signs out', async () => {
    const user = await createUser(app.dataSource, { email: 'linked-out@example.com' });
    const { accessToken } = await app.app
      .get(SessionService)
      .startSession(user, 'email', { userAgent: 'jest', ipAddress: '127.0.0.1' });
    await context.addCookies([{ name: 'JWT', value: accessToken, url: app.url }]);
    const page = await context.newPage();
    // Served by the test itself: nothing leaves the machine.
    await page.route('http://elsewhere.example/', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<a href="${app.url}/logout">Sign out of Tower</a>`,
      }),
    );
    await page.goto('http://elsewhere.example/');
    await page.getByRole('link', { name: 'Sign out of Tower' }).click();
    await page.getByRole('heading', { name: 'Sign out of Tower?' }).waitFor();
    expect(page.url()).toBe(`${app.url}/logout`);
    expect((await sessionRow('linked-out@example.com')).revoked).toBeNull();
    expect(await cookie('JWT')).toBeDefined();
    await screenshot(page, 'f-sign-out-asks');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/auth`);
    expect((await sessionRow('linked-out@example.com')).revoked).not.toBeNull();
    expect(await cookie('JWT')).toBeUndefined();
    expectCleanPages();
  });

  it('root users get the admin view: users, audit events, revoking a user’s sessions', async () => {
    const root = op.addAccount({ email: ROOT_EMAIL, given_name: 'Grace', family_name: 'Hopper' });
    const victim = await createUser(app.dataSource, { email: 'victim@example.com' });
    await app.app
      .get(SessionService)
      .startSession(victim, 'email', { userAgent: 'jest', ipAddress: '127.0.0.1' });
    const job = await app.app
      .get(LaunchCredentialsService)
      .issue(victim.id, { params: { input: 'samples.csv' } });
    const page = await context.newPage();
    await page.goto(`${app.url}/auth`);
    await page.getByRole('link', { name: 'Sign in with Okta' }).click();
    await signInAtProvider(page, root);
    await page.waitForURL(`${app.url}/auth?success=true`);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(`${app.url}/auth/admin`);
    await page.getByRole('cell', { name: ROOT_EMAIL, exact: true }).waitFor();
    await page
      .locator('#audit-table')
      .getByRole('cell', { name: 'login_success' })
      .first()
      .waitFor();

    await page.getByLabel('E-mail contains').fill('victim@');
    await page.getByRole('button', { name: 'Search users' }).click();
    await page.getByRole('status').filter({ hasText: 'Users 1–1 of 1' }).waitFor();
    // The launched job's session is told apart from the browser login, and ends on its own.
    await page.getByRole('button', { name: 'Show the sessions of victim@example.com' }).click();
    await page.getByRole('status').filter({ hasText: '2 live sessions, 1 of them job.' }).waitFor();
    const sessions = page.locator('#sessions-table');
    expect(await sessions.getByRole('cell', { name: 'Job', exact: true }).count()).toBe(1);
    await sessions.getByRole('cell', { name: 'Browser (email)' }).waitFor();
    await page.getByRole('button', { name: /^End the job session started / }).click();
    await page.getByRole('status').filter({ hasText: 'Ended the job session.' }).waitFor();
    expect(await sessions.getByRole('cell', { name: 'Job', exact: true }).count()).toBe(0);
    const [jobRow] = await app.dataSource.query(
      `SELECT revoked_at FROM tower_auth.sessions WHERE id = $1`,
      [job.sessionId],
    );
    expect(jobRow.revoked_at).not.toBeNull();
    await page.getByRole('button', { name: 'Revoke the sessions of victim@example.com' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked 1 session of victim@' }).waitFor();
    expect((await sessionRow('victim@example.com')).revoked).not.toBeNull();
    // Audit rows are written just after the answer: ask again until the new one shows.
    await page.getByLabel('Event type').fill('session_revoked');
    // Locators only: a string predicate (waitForFunction) is an eval the page's CSP refuses.
    const typeCells = page.locator('#audit-table tbody td:nth-child(2)');
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('button', { name: 'Show events' }).click();
      // The job session ended above, then the rest of the user's sessions.
      if ((await typeCells.allTextContents()).join() === 'session_revoked,session_revoked') break;
      if (attempt === 20) throw new Error('the session_revoked event never showed');
      await page.waitForTimeout(250);
    }
    await screenshot(page, 'e-admin');
    expectCleanPages();
  });

  it('the admin view tells a visitor to sign in, and an ordinary user that it is for root', async () => {
    const page = await context.newPage();
    await page.goto(`${app.url}/auth/admin`);
    await page.getByRole('alert').filter({ hasText: 'You are not signed in.' }).waitFor();

    const user = await createUser(app.dataSource);
    const { accessToken } = await app.app
      .get(SessionService)
      .startSession(user, 'email', { userAgent: 'jest', ipAddress: '127.0.0.1' });
    await context.addCookies([{ name: 'JWT', value: accessToken, url: app.url }]);
    await page.reload();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Only root users can use the administration.' })
      .waitFor();
    expect(await page.locator('#users-table tbody tr').count()).toBe(0);
    expectCleanPages();
  });

  it('with OIDC as the only method the page goes straight to the provider, except after an error', async () => {
    const page = await context.newPage();
    await page.goto(`${oidcOnly.url}/auth`);
    await page.waitForURL((url) => url.href.startsWith(op.issuer));
    await page.locator('input[name=login]').waitFor();

    await page.goto(`${oidcOnly.url}/auth?success=false&error=access_denied`);
    expect(await page.getByRole('alert').textContent()).toBe(
      'The sign-in was cancelled or refused by the provider.',
    );
    await page.getByRole('link', { name: 'Back to sign in' }).waitFor();
    expect(page.url()).toBe(`${oidcOnly.url}/auth?success=false&error=access_denied`);
  });
});

/** In the page (a string: the tests are compiled without the DOM library). */
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const name = el.tagName === 'INPUT' ? el.id : el.textContent.trim().replace(/\\s+/g, ' ');
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return { id: el.tagName.toLowerCase() + ':' + name, outlined };
})()`;

/**
 * Tabs from where focus is (the top of a freshly loaded page) through every stop until focus
 * leaves the page or comes round again, checking that each stop shows a focus outline;
 * returns `tag:name` of each stop.
 */
async function tabThrough(page: Page): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate<{ id: string; outlined: boolean } | null>(FOCUSED);
    if (!stop || stops.includes(stop.id)) break;
    expect({ stop: stop.id, outlined: stop.outlined }).toEqual({ stop: stop.id, outlined: true });
    stops.push(stop.id);
  }
  return stops;
}

async function expectNoSideScroll(page: Page): Promise<void> {
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect(width).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** The card and a margin around it, for the README. */
async function readmeShot(page: Page, name: string): Promise<void> {
  mkdirSync('docs/images', { recursive: true });
  const box = (await page.locator('main').boundingBox())!;
  const margin = 24;
  const clip = {
    x: Math.max(0, box.x - margin),
    y: Math.max(0, box.y - margin),
    width: box.width + 2 * margin,
    height: box.height + 2 * margin,
  };
  await page.screenshot({ path: `docs/images/${name}.png`, clip });
}
