import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { adminQuery } from '../../src/database/admin.js';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { LogCapture, eventually, startMailApp, type MailApp } from '../mail/mail-kit.js';

/**
 * `TOWER_ROOT_USERS=1` on a new instance makes whoever is created first root: the operator is
 * told at boot, once per id entry that no user has, and again when a login creates that user.
 */
describe.each(PLATFORMS)('root user ids that name nobody yet, on %s', (platform) => {
  let db: TestDatabase;
  let t: MailApp;
  const logs = new LogCapture();

  const warnings = (pattern: RegExp): string[] =>
    logs.lines.filter((line) => line.startsWith('warn ') && pattern.test(line));

  beforeAll(async () => {
    db = await createTestDatabase();
    // An existing user: its id entry is what the operator meant, nothing to say about it.
    await adminQuery(
      db.url,
      `INSERT INTO tower_auth.users (id, email, user_name, email_verified) OVERRIDING SYSTEM VALUE
       VALUES (500, 'admin@example.com', 'admin', true)`,
    );
    t = await startMailApp(
      platform,
      { DATABASE_URL: db.url, TOWER_ROOT_USERS: '1, 2, 500, ops@example.com, 1' },
      { logs },
    );
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('warns at boot once for each id entry that names no user', () => {
    expect(warnings(/TOWER_ROOT_USERS names the user id 1,/)).toHaveLength(1);
    expect(warnings(/TOWER_ROOT_USERS names the user id 2,/)).toHaveLength(1);
    expect(warnings(/TOWER_ROOT_USERS names the user id/)).toHaveLength(2);
    expect(warnings(/whoever is created with it becomes root/)).toHaveLength(2);
  });

  it('warns again when a login creates the user with that id', async () => {
    await request(t.server).post('/gate/access').send({ email: 'first@example.com' }).expect(200);
    const [{ id }] = await t.dataSource.query(
      `SELECT id::text FROM tower_auth.users WHERE email = 'first@example.com'`,
    );
    expect(id).toBe('1');
    const [line] = await eventually(() => {
      const found = warnings(/User 1 \(/);
      return found.length > 0 ? found : undefined;
    }, 'the warning about user 1');
    expect(line).toMatch(
      /User 1 \(fi\*+@example\.com\), just created by a login \(email\), is root/,
    );
    expect(line).toMatch(/TOWER_ROOT_USERS names the id 1/);
    await request(t.server).post('/gate/access').send({ email: 'first@example.com' }).expect(200);
    await request(t.server).post('/gate/access').send({ email: 'second@example.com' }).expect(200);
    expect(warnings(/User \d+ \(/)).toHaveLength(2);
  });
});
