import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider } from '../harness/oidc-provider.js';
import { TestClock } from '../harness/session-app.js';
import {
  CALLBACK,
  expectFailure,
  expectSuccess,
  lastAuditId,
  nextLoginFailure,
  oidcEnv,
  signIn,
  startProviderApp,
  type ProviderApp,
} from './support.js';

/**
 * Discovery and the JWKS are cached (discovery for tower.auth.oidc.discovery-ttl, 1 h by
 * default), and the JWKS is fetched again when an id_token names a key the copy lacks, even
 * seconds after the last fetch (a provider that rotates and signs with the new key at once).
 */
describe.each(PLATFORMS)('OIDC discovery and keys on %s', (platform) => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let t: ProviderApp;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await TestOidcProvider.start({
      issuerPath: '/realms/keys',
      redirectUris: [CALLBACK('oidc')],
    });
    t = await startProviderApp(platform, { DATABASE_URL: db.url, ...oidcEnv(op) }, clock);
  });

  afterEach(() => {
    op.misbehave = {};
  });

  afterAll(async () => {
    await t?.close();
    await op?.close();
    await db?.drop();
  });

  it('discovers once per TTL and fetches the JWKS once for many logins', async () => {
    for (let i = 0; i < 3; i++)
      expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
    expect({ discovery: op.count('discovery'), jwks: op.count('jwks') }).toEqual({
      discovery: 1,
      jwks: 1,
    });
    clock.advance(3601);
    expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
    expect(op.count('discovery')).toBe(2);
  });

  it('fetches the JWKS again at once when the provider rotates its signing key', async () => {
    expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
    const fetched = op.count('jwks');
    op.rotateSigningKey();
    expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
    expect(op.count('jwks')).toBe(fetched + 1);
    expectSuccess(await signIn(t.browser(), 'oidc', op.addAccount().sub));
    expect(op.count('jwks')).toBe(fetched + 1);
  });

  it('refuses an id_token signed under a kid the provider never publishes', async () => {
    op.misbehave = { foreignSigningKey: 'new-kid' };
    const fetched = op.count('jwks');
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await signIn(t.browser(), 'oidc', op.addAccount().sub), 'provider_error');
    expect(op.count('jwks')).toBe(fetched + 1);
    expect((await nextLoginFailure(t.dataSource, audit)).detail.reason).toMatch(/key/);
  });
});
