import { describe } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../harness/app.js';
import { freePort } from '../harness/smtp.js';

/** Debian's package (`apt-get install chromium`, which .ci/run does); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);

/**
 * `describe` when Chromium is installed; otherwise the block is skipped, named so the jest
 * output says why, and a warning says how to get it.
 */
export function describeInChromium(name: string, body: () => void): void {
  if (present) {
    describe(name, body);
    return;
  }
  // In CI a missing browser is a broken setup, not a reason to pass without the browser tests.
  if (process.env.CI) {
    throw new Error(`No Chromium at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`);
  }
  console.warn(
    `Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does).`,
  );
  describe.skip(`${name} [SKIPPED: no Chromium at ${CHROMIUM}]`, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** What a page did that it should not have: requests off this machine, script errors, CSP. */
export interface PageTrouble {
  readonly offsite: string[];
  readonly errors: string[];
}

/**
 * A fresh browser profile (no cookies) that never leaves loopback: any other request is
 * aborted and recorded (oidc-provider's own pages ask Google for a font; ours ask nothing).
 */
export async function newContext(
  browser: Browser,
  viewport = { width: 800, height: 600 },
): Promise<{ context: BrowserContext; trouble: PageTrouble }> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  const trouble = { offsite: [] as string[], errors: [] as string[] };
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    trouble.offsite.push(`${route.request().frame().url()} -> ${url.href}`);
    return route.abort();
  });
  context.on('page', (page) => watch(page, trouble));
  return { context, trouble };
}

function watch(page: Page, trouble: PageTrouble): void {
  page.on('pageerror', (error) => trouble.errors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted Type|integrity/i.test(message.text())) {
      trouble.errors.push(`${page.url()}: ${message.text()}`);
    }
  });
}

const OUTPUT = join(process.cwd(), 'test-output', 'browser');

/** Saves what the page shows under test-output/browser/ (ignored by git). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
}

export interface ServedApp extends TestApp {
  /** `http://127.0.0.1:<port>`: the server URL and the origin the browser uses. */
  readonly url: string;
  readonly dataSource: DataSource;
}

/** A free loopback port, and the server URL the app on it must be configured with. */
export async function reservePort(): Promise<{ port: number; url: string }> {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}` };
}

/**
 * The app on Fastify, listening on `port` so a browser can reach it. `towerYml` is written to
 * a temporary tower.yml (settings that have no environment variable, such as the heartbeat).
 */
export async function startServedApp(
  port: number,
  env: Record<string, string | undefined>,
  towerYml = '',
): Promise<ServedApp> {
  const dir = mkdtempSync(join(os.tmpdir(), 'tower-browser-'));
  const file = join(dir, 'tower.yml');
  writeFileSync(file, towerYml);
  const url = `http://127.0.0.1:${port}`;
  const t = await startTestApp('fastify', {
    ...env,
    TOWER_SERVER_URL: url,
    TOWER_CONFIG_FILE: file,
  });
  await (t.app as NestFastifyApplication).listen(port, '127.0.0.1');
  return {
    ...t,
    url,
    dataSource: t.app.get(DataSource),
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
