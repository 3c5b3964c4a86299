import { adminQuery } from '../../src/database/admin.js';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.TOWER_TEST_ADMIN_URL;
  const template = process.env.TOWER_TEST_TEMPLATE;
  if (adminUrl && template) {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  }
  await globalThis.__towerTestEmbedded?.stop();
}
