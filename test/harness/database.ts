import { randomBytes } from 'node:crypto';
import { adminQuery, withDatabase } from '../../src/database/admin.js';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

function admin(): { adminUrl: string; template: string } {
  const adminUrl = process.env.TOWER_TEST_ADMIN_URL;
  const template = process.env.TOWER_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('The jest global setup did not run');
  return { adminUrl, template };
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, template } = admin();
  const name = `tower_test_${randomBytes(6).toString('hex')}`;
  const source = options.empty ? 'template0' : template;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${source}`);
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
