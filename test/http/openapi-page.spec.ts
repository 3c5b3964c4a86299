import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { PLATFORMS, startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { bytes } from '../ephemeral/ephemeral-http.js';
import { CHROMIUM, launchChromium } from '../browser/chromium.js';
import { operationsOf, type JsonObject } from './openapi-kit.js';

const OUTPUT = path.resolve('test-output');

/** The `src` and `href` values of the page. */
function links(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
}

const TYPES: Record<string, RegExp> = {
  '.css': /^text\/css/,
  '.js': /^text\/javascript/,
  '.png': /^image\/png/,
  '.json': /^application\/json/,
};

describe.each(PLATFORMS)('the browsable OpenAPI page on %s', (platform) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(platform, { DATABASE_URL: db.url });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each(['', '/api'])(
    'GET %s/openapi is HTML under a strict CSP that loads only files of ours',
    async (prefix) => {
      const res = await request(t.server).get(`${prefix}/openapi`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:\/\/(?!localhost:8000)/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const html = res.text;
      // No inline script or style: each <script> has a src, and there is no style at all.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
      expect(html).not.toMatch(/<style|\sstyle=/);
      const urls = links(html);
      expect(urls.length).toBeGreaterThanOrEqual(4);
      for (const url of urls) {
        expect(url).toMatch(new RegExp(`^${prefix}/openapi[./]`));
        const file = await request(t.server).get(url);
        const extension = path.extname(new URL(url, 'http://x').pathname);
        expect({ url, status: file.status }).toEqual({ url, status: 200 });
        expect(file.headers['content-type']).toMatch(TYPES[extension]);
      }
    },
  );

  it('serves the Swagger UI bundle gzip-encoded to clients that accept it, and plain otherwise', async () => {
    const plain = await request(t.server)
      .get('/openapi/swagger-ui-bundle.js')
      .set('Accept-Encoding', 'identity')
      .buffer(true)
      .parse(bytes)
      .expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await request(t.server)
      .get('/openapi/swagger-ui-bundle.js')
      .set('Accept-Encoding', 'gzip')
      .buffer(true)
      .parse(bytes)
      .expect(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    const body = zipped.body as Buffer;
    const original = plain.body as Buffer;
    // supertest may already have inflated it; either way the bytes are the bundle's.
    const inflated = body.length < original.length ? gunzipSync(body) : body;
    expect(inflated.equals(original)).toBe(true);
    expect(original.length).toBeGreaterThan(100_000);
  });

  it('answers an unknown file with the JSON error body', async () => {
    for (const name of ['nothing.js', 'swagger-ui-bundle.js.map', '..%2Fpackage.json']) {
      const res = await request(t.server).get(`/openapi/${name}`);
      expect({ name, status: res.status, body: res.body }).toEqual({
        name,
        status: 404,
        body: expect.objectContaining({ statusCode: 404, error: 'Not Found' }),
      });
    }
  });

  const browser = existsSync(CHROMIUM) ? it : it.skip;
  if (!existsSync(CHROMIUM)) {
    process.stdout.write(`${CHROMIUM} is missing: the OpenAPI page browser test is skipped\n`);
  }

  browser(
    'renders every operation in Chromium with no CSP violation and no request elsewhere',
    async () => {
      await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
      const doc = (await request(t.server).get('/openapi.json')).body as JsonObject;
      const run = await launchChromium();
      try {
        const page = await run.newPage();
        const elsewhere: string[] = [];
        const problems: string[] = [];
        page.on('request', (r) => {
          if (new URL(r.url()).origin !== origin && !r.url().startsWith('data:'))
            elsewhere.push(r.url());
        });
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(`${origin}/openapi`);
        await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
        expect(await page.locator('.opblock').count()).toBe(operationsOf(doc).length);
        mkdirSync(OUTPUT, { recursive: true });
        await page.screenshot({ path: path.join(OUTPUT, `openapi-${platform}.png`) });
        // An operation opens to its responses, the guard's 401 among them.
        await page.locator('.opblock-summary', { hasText: '/user-info' }).first().click();
        const status = page.locator('.opblock-body .response-col_status', { hasText: '401' });
        await status.first().waitFor({ timeout: 10_000 });
        expect({ elsewhere, problems }).toEqual({ elsewhere: [], problems: [] });
      } finally {
        await run.close();
      }
    },
  );
});
