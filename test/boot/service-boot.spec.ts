import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';
import { createTestDatabase } from '../harness/database.js';
import { startService, stopService, waitForHealth } from '../harness/service-process.js';

describe('the built service', () => {
  it('refuses a short secret on a public server URL, naming the rule but not the secret', async () => {
    const run = startService({
      TOWER_JWT_SECRET: 'tooShortSecretValue',
      TOWER_SERVER_URL: 'https://tower.example.com',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('JWT token generator secret should be 35 characters or longer');
    expect(run.output()).not.toContain('tooShortSecretValue');
  });

  it('boots on an external database with a generated development secret, and stops on SIGTERM', async () => {
    const db = await createTestDatabase({ empty: true });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tower-boot-data-'));
    const port = await freePort();
    const run = startService({ DATABASE_URL: db.url, PORT: String(port), TOWER_DATA_DIR: dataDir });
    try {
      await waitForHealth(port, run, 30_000);
      expect(run.output()).toMatch(/TOWER_JWT_SECRET/);
      expect(run.output()).toContain(`Listening on http://localhost:${port}`);
      expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').length).toBeGreaterThanOrEqual(
        35,
      );
    } finally {
      expect(await stopService(run)).toBe(0);
      await db.drop();
    }
  }, 60_000);

  it('serves the module routes but no example host routes: nothing under /demo', async () => {
    const db = await createTestDatabase({ empty: true });
    const port = await freePort();
    const run = startService({
      DATABASE_URL: db.url,
      PORT: String(port),
      TOWER_JWT_SECRET: 'a-secret-of-the-boot-test-that-is-long-enough-0123',
    });
    try {
      await waitForHealth(port, run, 30_000);
      const get = (p: string): Promise<Response> => fetch(`http://127.0.0.1:${port}${p}`);
      for (const p of ['/demo/ping', '/demo/public', '/demo/me', '/demo/root', '/api/demo/ping']) {
        expect({ path: p, status: (await get(p)).status }).toEqual({ path: p, status: 404 });
      }
      expect((await get('/user-info')).status).toBe(401);
      const doc = (await (await get('/openapi.json')).json()) as {
        paths: Record<string, unknown>;
        tags: { name: string }[];
      };
      expect(Object.keys(doc.paths)).toContain('/user-info');
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/demo'))).toEqual([]);
      expect(doc.tags.map((tag) => tag.name)).not.toContain('demo');
    } finally {
      expect(await stopService(run)).toBe(0);
      await db.drop();
    }
  }, 60_000);

  it('boots with no configuration at all on the embedded database, and reuses it the second time', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tower-boot-embedded-'));
    const port = await freePort();
    const env = { PORT: String(port), TOWER_DATA_DIR: dataDir };
    const first = startService(env);
    try {
      await waitForHealth(port, first, 90_000);
    } finally {
      expect(await stopService(first)).toBe(0);
    }
    const secret = readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8');
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    const second = startService(env);
    try {
      await waitForHealth(port, second, 60_000);
      expect(second.output()).not.toContain('Creating the embedded database');
      expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
    } finally {
      expect(await stopService(second)).toBe(0);
    }
  }, 180_000);
});
