import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuditService } from '../../packages/tower-auth/src/audit/audit.service.js';
import {
  AccountError,
  AccountService,
  type ProviderProfile,
} from '../../packages/tower-auth/src/users/account.service.js';
import { createDataSource } from '../../src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createUser } from '../factories/users.js';

let db: TestDatabase;
let ds: DataSource;
let accounts: AccountService;
let counter = 0;

function profile(overrides: Partial<ProviderProfile> = {}): ProviderProfile {
  counter++;
  return {
    provider: 'oidc',
    issuer: 'https://idp.example.com',
    subject: `sub-${counter}`,
    email: `person-${counter}@example.com`,
    emailVerified: true,
    firstName: 'Ada',
    lastName: 'Lovelace',
    ...overrides,
  };
}

async function identitiesOf(userId: string): Promise<{ provider: string; subject: string }[]> {
  return ds.query(
    `SELECT provider, subject FROM tower_auth.identities WHERE user_id = $1 ORDER BY provider, subject`,
    [userId],
  );
}

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AccountError) return error.code;
    throw error;
  }
  return 'admitted';
}

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await createTestDatabase();
  ds = await createDataSource(db.url).initialize();
  accounts = new AccountService(ds, new AuditService(ds));
});

afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

describe('AccountService.signIn', () => {
  it('creates a verified user and its identity on the first login, and finds it after', async () => {
    const p = profile({ email: ' New.Person@Example.COM ' });
    const user = await accounts.signIn(p);
    expect(user.email).toBe('new.person@example.com');
    expect(user.emailVerified).toBe(true);
    expect(user.userName).toBe('new.person');
    expect(await identitiesOf(user.id)).toEqual([{ provider: 'oidc', subject: p.subject }]);
    const again = await accounts.signIn({ ...p, email: 'changed@example.com' });
    expect(again.id).toBe(user.id);
  });

  it('links a second provider with the same verified e-mail to the same user', async () => {
    const first = await accounts.signIn(profile({ email: 'shared@example.com' }));
    const second = await accounts.signIn(
      profile({ provider: 'github', issuer: 'https://github.com', email: 'SHARED@example.com' }),
    );
    expect(second.id).toBe(first.id);
    expect((await identitiesOf(first.id)).map((i) => i.provider)).toEqual(['github', 'oidc']);
  });

  it('never links or creates a user from an unverified e-mail', async () => {
    const owner = await accounts.signIn(profile({ email: 'owner@example.com' }));
    expect(
      await refusal(accounts.signIn(profile({ email: 'owner@example.com', emailVerified: false }))),
    ).toBe('email_unverified');
    expect(
      await refusal(
        accounts.signIn(profile({ email: 'nobody@example.com', emailVerified: false })),
      ),
    ).toBe('email_unverified');
    expect(await identitiesOf(owner.id)).toHaveLength(1);
    const [{ count }] = await ds.query<{ count: string }[]>(
      `SELECT count(*) FROM tower_auth.users WHERE email = 'nobody@example.com'`,
    );
    expect(count).toBe('0');
  });

  it('refuses a login without a usable e-mail address', async () => {
    expect(await refusal(accounts.signIn(profile({ email: null })))).toBe('email_unverified');
    expect(await refusal(accounts.signIn(profile({ email: 'a@b@c.com' })))).toBe(
      'email_unverified',
    );
  });

  it('refuses a disabled user, by identity and by e-mail', async () => {
    const p = profile();
    const user = await accounts.signIn(p);
    await ds.query(`UPDATE tower_auth.users SET status = 'disabled' WHERE id = $1`, [user.id]);
    expect(await refusal(accounts.signIn(p))).toBe('not_allowed');
    expect(await refusal(accounts.signIn(profile({ email: p.email })))).toBe('not_allowed');
  });

  it('gives concurrent first logins of one person one user', async () => {
    const p = profile();
    const users = await Promise.all(Array.from({ length: 8 }, () => accounts.signIn(p)));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(await identitiesOf(users[0].id)).toHaveLength(1);
  });

  it('keeps user names unique and drops avatars that are not https', async () => {
    const a = await accounts.signIn(profile({ email: 'twin@one.example', avatar: 'javascript:x' }));
    const b = await accounts.signIn(
      profile({ email: 'twin@two.example', avatar: 'https://img.example/b.png' }),
    );
    expect(a.userName).toBe('twin');
    expect(b.userName).toMatch(/^twin-\d+$/);
    expect(a.avatar).toBeNull();
    expect(b.avatar).toBe('https://img.example/b.png');
  });
});

describe('AccountService e-mail logins', () => {
  it('creates an unverified user for a magic-link request, verified once redeemed', async () => {
    const user = await accounts.userForEmail(' Magic@Example.com ');
    expect(user).not.toBeNull();
    expect(user!.emailVerified).toBe(false);
    expect((await accounts.userForEmail('magic@example.com'))!.id).toBe(user!.id);
    const confirmed = await accounts.confirmEmailLogin(user!.id, new Date());
    expect(confirmed!.emailVerified).toBe(true);
    expect(await identitiesOf(user!.id)).toEqual([
      { provider: 'email', subject: 'magic@example.com' },
    ]);
  });

  it('lets a provider that verified the address take over an unverified magic-link user', async () => {
    const pending = await accounts.userForEmail('pending@example.com');
    const viaOidc = await accounts.signIn(profile({ email: 'pending@example.com' }));
    expect(viaOidc.id).toBe(pending!.id);
    expect(viaOidc.emailVerified).toBe(true);
  });

  it('returns null for an invalid address and for a user that is gone', async () => {
    expect(await accounts.userForEmail('not an address')).toBeNull();
    const user = await createUser(ds);
    await ds.query(`DELETE FROM tower_auth.users WHERE id = $1`, [user.id]);
    expect(await accounts.confirmEmailLogin(user.id, new Date())).toBeNull();
  });
});
