import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AuditRepository } from '../../packages/tower-auth/src/audit/audit.repository.js';
import { AuditService } from '../../packages/tower-auth/src/audit/audit.service.js';
import { AuthError } from '../../packages/tower-auth/src/common/auth-error.js';
import {
  AccountService,
  type ProviderProfile,
} from '../../packages/tower-auth/src/users/account.service.js';
import { PostgresAccountRepository } from '../../packages/tower-auth/src/users/account.repository.js';
import { RootUsersService } from '../../packages/tower-auth/src/users/root-users.service.js';
import { UserRepository } from '../../packages/tower-auth/src/users/user.repository.js';
import { createDataSource } from '../../src/database/data-source.js';
import { testConfig } from '../harness/app.js';
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
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return 'admitted';
}

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await createTestDatabase();
  ds = await createDataSource(db.url).initialize();
  const users = new UserRepository(ds);
  const repository = new PostgresAccountRepository(
    ds,
    users,
    new AuditService(new AuditRepository(ds)),
  );
  accounts = new AccountService(repository, new RootUsersService(users, testConfig()));
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

  it('admits an unverified e-mail, when the provider allows it, as a user of its own', async () => {
    const owner = await accounts.userForEmail('held@example.com');
    const p = profile({ email: 'Held@example.com', emailVerified: false });
    const separate = await accounts.signIn({ ...p, unverifiedEmailAdmitted: true });
    expect(separate.id).not.toBe(owner!.id);
    expect(separate).toMatchObject({
      email: 'held@example.com',
      emailVerified: false,
      emailClaimed: false,
    });
    expect((await accounts.signIn({ ...p, unverifiedEmailAdmitted: true })).id).toBe(separate.id);
    // The address still belongs to the magic-link user, whose link still proves it.
    expect((await accounts.userForEmail('held@example.com'))!.id).toBe(owner!.id);
    expect((await accounts.confirmEmailLogin(owner!.id, new Date()))!.emailVerified).toBe(true);
    // A provider that verifies the address links to the holder, never to the separate user.
    const verified = await accounts.signIn(profile({ email: 'held@example.com' }));
    expect(verified.id).toBe(owner!.id);
  });

  it('lets a separate user take its address over once it is vouched for and nobody holds it', async () => {
    const p = profile({ email: 'later@example.com', emailVerified: false });
    const separate = await accounts.signIn({ ...p, unverifiedEmailAdmitted: true });
    const vouched = await accounts.signIn({ ...p, emailVerified: true });
    expect(vouched).toMatchObject({ id: separate.id, emailVerified: true, emailClaimed: true });
    expect((await accounts.userForEmail('later@example.com'))!.id).toBe(separate.id);

    const held = await accounts.userForEmail('taken@example.com');
    const q = profile({ email: 'taken@example.com', emailVerified: false });
    const other = await accounts.signIn({ ...q, unverifiedEmailAdmitted: true });
    expect(await accounts.signIn({ ...q, emailVerified: true })).toMatchObject({
      id: other.id,
      emailVerified: false,
      emailClaimed: false,
    });
    expect((await accounts.userForEmail('taken@example.com'))!.id).toBe(held!.id);
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

  it('gives concurrent first logins of one person one user, also when the e-mail is unverified', async () => {
    // A taken user name: each attempt picks its own suffix, so only the identity can collide.
    await createUser(ds, { userName: 'racer' });
    const p = {
      ...profile({ emailVerified: false, userName: 'racer' }),
      unverifiedEmailAdmitted: true,
    };
    const users = await Promise.all(Array.from({ length: 8 }, () => accounts.signIn(p)));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(await identitiesOf(users[0].id)).toHaveLength(1);
    const [{ count }] = await ds.query<{ count: string }[]>(
      `SELECT count(*) FROM tower_auth.users WHERE email = $1`,
      [p.email],
    );
    expect(count).toBe('1');
  });

  it('writes the user_created and identity_linked rows with the users, even when many sign in at once', async () => {
    const holders = await Promise.all(
      Array.from({ length: 6 }, (_, i) => accounts.userForEmail(`holder-${i}@example.com`)),
    );
    const logins = await Promise.all([
      ...Array.from({ length: 10 }, () => accounts.signIn(profile())),
      ...holders.map((_, i) => accounts.signIn(profile({ email: `holder-${i}@example.com` }))),
    ]);
    // No waiting: the rows committed with the users.
    const created = await ds.query<{ user_id: string }[]>(
      `SELECT user_id::text FROM tower_auth.audit_events WHERE type = 'user_created' AND user_id = ANY($1)`,
      [[...holders.map((u) => u!.id), ...logins.slice(0, 10).map((u) => u.id)]],
    );
    expect(created).toHaveLength(16);
    const linked = await ds.query<{ user_id: string }[]>(
      `SELECT user_id::text FROM tower_auth.audit_events WHERE type = 'identity_linked' AND user_id = ANY($1)`,
      [holders.map((u) => u!.id)],
    );
    expect(linked).toHaveLength(6);
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
