import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORMS } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TestOidcProvider, type OidcProviderOptions } from '../harness/oidc-provider.js';
import {
  CALLBACK,
  SERVER,
  expectFailure,
  expectSuccess,
  lastAuditId,
  nextLoginFailure,
  oidcEnv,
  signIn,
  startLogin,
  startProviderApp,
  type ProviderApp,
} from './support.js';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

interface Shape {
  name: string;
  provider: Omit<OidcProviderOptions, 'redirectUris'>;
  env?: Record<string, string>;
  /** Claims of the signed-in account, shaped like that provider's. */
  claims: (n: number) => Record<string, unknown>;
}

const SHAPES: Shape[] = [
  {
    name: 'Keycloak (/realms/<realm>)',
    provider: { issuerPath: '/realms/tower' },
    claims: (n) => ({ email: `kc-${n}@example.com`, preferred_username: `kc-${n}` }),
  },
  {
    name: 'Keycloak before 17 (/auth/realms/<realm>)',
    provider: { issuerPath: '/auth/realms/tower' },
    claims: (n) => ({ email: `kc-old-${n}@example.com` }),
  },
  {
    // Entra ID omits email_verified, often puts the address only in preferred_username, and
    // some app registrations want client_secret_post.
    name: 'Entra ID (/<tenant>/v2.0)',
    provider: { issuerPath: `/${TENANT}/v2.0`, tokenEndpointAuthMethod: 'client_secret_post' },
    env: { TOWER_OIDC_TOKEN_AUTH_METHOD: 'client_secret_post' },
    claims: (n) => ({
      email: undefined,
      email_verified: undefined,
      given_name: undefined,
      family_name: undefined,
      name: 'Ada King Lovelace',
      preferred_username: `entra-${n}@contoso.example`,
    }),
  },
  {
    // The e-mail only through userinfo (oidc-provider's conformant default).
    name: 'Okta custom authorization server (/oauth2/default)',
    provider: { issuerPath: '/oauth2/default', claimsOnlyInUserinfo: true },
    claims: (n) => ({ email: `okta-${n}@example.com` }),
  },
  {
    name: 'Okta org authorization server (no path)',
    provider: { issuerPath: '' },
    claims: (n) => ({ email: undefined, upn: `okta-org-${n}@example.com` }),
  },
];

/** One database for the file: every app keys its users on its own issuer. */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe.each(PLATFORMS)('OIDC issuer shapes on %s', (platform) => {
  describe.each(SHAPES)('$name', (shape) => {
    let op: TestOidcProvider;
    let t: ProviderApp;

    beforeAll(async () => {
      op = await TestOidcProvider.start({ ...shape.provider, redirectUris: [CALLBACK('oidc')] });
      t = await startProviderApp(platform, { DATABASE_URL: db.url, ...oidcEnv(op), ...shape.env });
    });

    afterAll(async () => {
      await t?.close();
      await op?.close();
    });

    it('signs in, keyed on the exact issuer and the subject', async () => {
      const claims = shape.claims(1);
      const account = op.addAccount(claims);
      const browser = t.browser();
      expectSuccess(await signIn(browser, 'oidc', account.sub));
      const me = await browser.get(`${SERVER}/user-info`);
      const email = [claims.email, claims.preferred_username, claims.upn].find((e) =>
        String(e).includes('@'),
      );
      expect(me.body).toMatchObject({ user: { email, firstName: 'Ada' } });
      const identities = await t.dataSource.query(
        `SELECT issuer, subject FROM tower_auth.identities WHERE provider = 'oidc' AND subject = $1`,
        [account.sub],
      );
      expect(identities).toEqual([{ issuer: op.issuer, subject: account.sub }]);
    });
  });
});

describe.each(PLATFORMS)('OIDC issuer configuration on %s', (platform) => {
  const providers: TestOidcProvider[] = [];
  const apps: ProviderApp[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const op of providers) await op.close();
  });

  async function setUp(
    provider: Omit<OidcProviderOptions, 'redirectUris'>,
    env: (op: TestOidcProvider) => Record<string, string>,
  ): Promise<{ op: TestOidcProvider; t: ProviderApp }> {
    const op = await TestOidcProvider.start({ ...provider, redirectUris: [CALLBACK('oidc')] });
    providers.push(op);
    const t = await startProviderApp(platform, { DATABASE_URL: db.url, ...env(op) });
    apps.push(t);
    return { op, t };
  }

  it('refuses an issuer configured with a trailing slash the provider does not have', async () => {
    for (const issuerPath of ['', '/realms/tower']) {
      const { t } = await setUp({ issuerPath }, (op) => oidcEnv(op, `${op.issuer}/`));
      const audit = await lastAuditId(t.dataSource);
      expectFailure(await startLogin(t.browser(), 'oidc'), 'provider_error');
      const { detail } = await nextLoginFailure(t.dataSource, audit);
      expect(detail.reason).toMatch(/^discovery of http:.*\/: .*issuer/);
    }
  });

  it('refuses an absent email_verified when require-verified-email is on', async () => {
    const { op, t } = await setUp({ issuerPath: `/${TENANT}/v2.0` }, (op) => ({
      ...oidcEnv(op),
      TOWER_OIDC_REQUIRE_VERIFIED_EMAIL: 'true',
    }));
    const unclaimed = op.addAccount({ email_verified: undefined });
    expectFailure(await signIn(t.browser(), 'oidc', unclaimed.sub), 'email_unverified');
    const verified = op.addAccount({ email_verified: true });
    expectSuccess(await signIn(t.browser(), 'oidc', verified.sub));
  });

  it('answers provider_error when the provider cannot be reached', async () => {
    const { op, t } = await setUp({}, (op) => oidcEnv(op));
    await op.close();
    const audit = await lastAuditId(t.dataSource);
    expectFailure(await startLogin(t.browser(), 'oidc'), 'provider_error');
    expect((await nextLoginFailure(t.dataSource, audit)).detail.reason).toMatch(/ECONNREFUSED/);
  });
});
