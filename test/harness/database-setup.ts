import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminQuery, withDatabase } from '../../src/database/admin.js';
import { createDataSource } from '../../src/database/data-source.js';
import {
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../../src/database/embedded-postgres.js';

declare global {
  var __towerTestEmbedded: EmbeddedDatabase | undefined;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Finds a Postgres (TEST_DATABASE_URL, else the local server, else an embedded one started
 * here), migrates a template database once, and tells the test files where it is: each file
 * clones its own database from the template (test/harness/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  if (!(await reachable(adminUrl))) {
    const dir = path.join(os.tmpdir(), `tower-auth-test-${process.pid}`, 'postgres');
    process.stdout.write(
      `\nNo Postgres at ${redact(adminUrl)}: starting an embedded one in ${dir}\n`,
    );
    globalThis.__towerTestEmbedded = await startEmbeddedPostgres(dir, () => undefined);
    const url = new URL(globalThis.__towerTestEmbedded.url);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  }
  const template = `tower_test_tpl_${process.pid}`;
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${template}`);
  await adminQuery(adminUrl, `CREATE DATABASE ${template}`);
  const dataSource = createDataSource(withDatabase(adminUrl, template));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  process.env.TOWER_TEST_ADMIN_URL = adminUrl;
  process.env.TOWER_TEST_TEMPLATE = template;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '****';
  return u.toString();
}
