import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthError } from '../common/auth-error.js';
import type { TowerConfig } from '../config/tower-config.types.js';
import { InMemoryAccountRepository } from './account.repository.fake.js';
import { AccountService, type ProviderProfile } from './account.service.js';
import { RootUsersService } from './root-users.service.js';
import { UserRepository } from './user.repository.js';

let repository: InMemoryAccountRepository;
let accounts: AccountService;
let warnings: string[];

function profile(overrides: Partial<ProviderProfile> = {}): ProviderProfile {
  return {
    provider: 'oidc',
    issuer: 'https://idp.example.com',
    subject: 'sub-1',
    email: 'ada@example.com',
    emailVerified: true,
    firstName: 'Ada',
    ...overrides,
  };
}

async function refusal(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => 'admitted',
    (error: unknown) => {
      if (error instanceof AuthError) return error.code;
      throw error;
    },
  );
}

beforeEach(() => {
  repository = new InMemoryAccountRepository();
  // Never connected: RootUsersService reads users only at boot, which these tests do not run.
  const users = new UserRepository(new DataSource({ type: 'postgres' }));
  const config = { rootUsers: ['1', 'root@example.com'] } as unknown as TowerConfig;
  accounts = new AccountService(repository, new RootUsersService(users, config));
  warnings = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
    warnings.push(String(message));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('AccountService.signIn: link, create or refuse', () => {
  it('creates a verified user with its identity at the first login, and finds it after', async () => {
    const first = await accounts.signIn(profile({ email: ' Ada@Example.COM ' }));
    expect(first).toMatchObject({
      email: 'ada@example.com',
      emailVerified: true,
      emailClaimed: true,
    });
    expect(first.userName).toBe('ada');
    const again = await accounts.signIn(profile({ email: 'ada@example.com' }));
    expect(again.id).toBe(first.id);
    expect(repository.state.users).toHaveLength(1);
    expect(repository.state.audit.map((e) => e.type)).toEqual(['user_created']);
  });

  it('links a new identity whose provider verified the address of an existing user', async () => {
    const existing = repository.add({ email: 'ada@example.com', emailVerified: false });
    const user = await accounts.signIn(
      profile({ provider: 'github', issuer: 'https://github.com' }),
    );
    expect(user.id).toBe(existing.id);
    expect(user.emailVerified).toBe(true);
    expect(repository.user(existing.id)?.emailVerified).toBe(true);
    expect(repository.identitiesOf(existing.id).map((i) => i.provider)).toEqual(['github']);
    expect(repository.state.audit).toEqual([
      expect.objectContaining({ type: 'identity_linked', userId: existing.id, provider: 'github' }),
    ]);
  });

  it('refuses an unverified address unless the provider admits it, and never links it', async () => {
    const owner = repository.add({ email: 'ada@example.com', emailVerified: true });
    expect(await refusal(accounts.signIn(profile({ emailVerified: false })))).toBe(
      'email_unverified',
    );
    const admitted = await accounts.signIn(
      profile({ emailVerified: false, unverifiedEmailAdmitted: true }),
    );
    expect(admitted.id).not.toBe(owner.id);
    expect(admitted).toMatchObject({ emailVerified: false, emailClaimed: false });
    expect(repository.state.audit).toEqual([
      expect.objectContaining({ type: 'user_created', detail: { emailUnverified: true } }),
    ]);
  });

  it('refuses a login without a usable address', async () => {
    expect(await refusal(accounts.signIn(profile({ email: null })))).toBe('email_unverified');
    expect(await refusal(accounts.signIn(profile({ email: 'not an address' })))).toBe(
      'email_unverified',
    );
    expect(repository.state.users).toEqual([]);
  });

  it('refuses a disabled user, found by identity or by e-mail, and links nothing', async () => {
    const user = await accounts.signIn(profile());
    repository.user(user.id)!.status = 'disabled';
    expect(await refusal(accounts.signIn(profile()))).toBe('not_allowed');
    const other = profile({ provider: 'google', issuer: 'https://accounts.google.com' });
    expect(await refusal(accounts.signIn(other))).toBe('not_allowed');
    expect(repository.identitiesOf(user.id)).toHaveLength(1);
  });

  it('gives a taken user name a suffix and drops an avatar that is not https', async () => {
    repository.add({ email: 'someone@example.org', userName: 'ada' });
    const user = await accounts.signIn(profile({ avatar: 'http://example.com/a.png' }));
    expect(user.userName).toMatch(/^ada-\d+$/);
    expect(user.avatar).toBeNull();
  });
});

describe('AccountService: root by e-mail and by id', () => {
  it('an admitted unverified login does not hold the address a root entry names', async () => {
    const user = await accounts.signIn(
      profile({ email: 'root@example.com', emailVerified: false, unverifiedEmailAdmitted: true }),
    );
    expect(user.emailVerified && user.emailClaimed).toBe(false);
  });

  it('takes the address over once its provider verifies it, unless another user holds it', async () => {
    const unverified = profile({ emailVerified: false, unverifiedEmailAdmitted: true });
    const shown = await accounts.signIn(unverified);
    const claimed = await accounts.signIn({ ...unverified, emailVerified: true });
    expect(claimed.id).toBe(shown.id);
    expect(claimed).toMatchObject({ emailVerified: true, emailClaimed: true });

    const other = await accounts.signIn({ ...unverified, subject: 'sub-2' });
    const refused = await accounts.signIn({ ...unverified, subject: 'sub-2', emailVerified: true });
    expect(refused.id).toBe(other.id);
    expect(refused.emailClaimed).toBe(false);
  });

  it('announces a created user that a root id names, once its transaction committed', async () => {
    await accounts.signIn(profile());
    expect(
      warnings.filter((w) => w.includes('is root because TOWER_ROOT_USERS names the id 1')),
    ).toHaveLength(1);
    await accounts.signIn(profile());
    expect(warnings).toHaveLength(1);
  });
});

describe('AccountService: magic links', () => {
  it('creates an unverified user for a new address, and proves it once the link is redeemed', async () => {
    expect(await accounts.userForEmail('not an address')).toBeNull();
    const user = (await accounts.userForEmail('Grace@Example.com'))!;
    expect(user).toMatchObject({ email: 'grace@example.com', emailVerified: false });
    expect((await accounts.userForEmail('grace@example.com'))?.id).toBe(user.id);

    const confirmed = await accounts.confirmEmailLogin(user.id, new Date());
    expect(confirmed?.emailVerified).toBe(true);
    expect(repository.identitiesOf(user.id)).toEqual([
      expect.objectContaining({ provider: 'email', subject: 'grace@example.com' }),
    ]);
    expect(await accounts.confirmEmailLogin('999', new Date())).toBeNull();
  });
});
