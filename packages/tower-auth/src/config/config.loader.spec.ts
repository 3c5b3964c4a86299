import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTowerConfig, loadTowerConfigOrThrow } from './config.loader.js';
import { set, type SettingTable } from './config.keys.js';
import * as k from './config.values.js';
import {
  ConfigValidationError,
  type ConfigReport,
  type ConfigWith,
  type TowerConfig,
} from './tower-config.types.js';
import { tempDir } from './temp-dir.test-config.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';
function load<T extends SettingTable = Record<never, never>>(
  yaml: string | null,
  env: Record<string, string> = {},
  settings?: T,
): ConfigReport<ConfigWith<T>> {
  const cwd = tempDir();
  if (yaml !== null) writeFileSync(join(cwd, 'tower.yml'), yaml);
  return loadTowerConfig({ env: { TOWER_JWT_SECRET: SECRET, ...env }, cwd, settings });
}

function config(yaml: string | null, env: Record<string, string> = {}): TowerConfig {
  const report = load(yaml, env);
  expect(report.errors).toEqual([]);
  return report.config!;
}

function entry(report: ConfigReport, key: string) {
  return report.entries.find((e) => e.key === key);
}

describe('defaults', () => {
  it('are the documented ones: a localhost server URL, e-mail login in development mode', () => {
    const cwd = tempDir();
    const c = loadTowerConfigOrThrow({ env: { TOWER_JWT_SECRET: SECRET }, cwd });
    expect(c).toMatchObject({
      serverUrl: 'http://localhost:8000',
      serverUrlIsLocal: true,
      secureCookies: false,
      unsafeMode: false,
      appName: 'Seqera',
      contactEmail: null,
      jwtSecret: SECRET,
      rootUsers: [],
      trustProxy: 0,
      database: { directUrl: null },
      smtp: { host: null, port: 587, user: null, password: null, auth: true },
      ephemeral: { duration: 6 * 3600, maxBytes: 1048576 },
      authTypes: ['email'],
    });
    expect(c.auth).toMatchObject({
      disableEmail: false,
      emailEnabled: true,
      mailDuration: 1800,
      accessTokenExpiration: 3600,
      refreshTokenExpiration: 6 * 3600,
      refreshCookieMaxAge: 12 * 3600,
      sessionMaxLifetime: 7 * 86400,
      refreshGrace: 30,
      heartbeatInterval: 300,
      purgeInterval: 600,
      auditRetention: 90 * 86400,
      sessionRetention: 7 * 86400,
    });
    expect(c.auth.github).toMatchObject({ enabled: false, serverUrl: 'https://github.com' });
    expect(c.auth.oidc).toMatchObject({
      enabled: false,
      scopes: ['openid', 'email', 'profile'],
      tokenAuthMethod: 'client_secret_basic',
      requireVerifiedEmail: false,
      label: 'Sign in with OpenID Connect',
    });
  });

  it('marks every default entry as such', () => {
    const report = load(null);
    expect(entry(report, 'tower.appName')).toEqual({
      key: 'tower.appName',
      env: 'TOWER_APP_NAME',
      value: 'Seqera',
      source: 'default',
    });
  });
});

describe('precedence', () => {
  const yaml = 'tower:\n  appName: From YAML\n';

  it('uses tower.yml over the default', () => {
    const report = load(yaml);
    expect(report.config?.appName).toBe('From YAML');
    expect(entry(report, 'tower.appName')?.source).toBe('tower.yml');
  });

  it('uses the environment over tower.yml', () => {
    const report = load(yaml, { TOWER_APP_NAME: 'From env' });
    expect(report.config?.appName).toBe('From env');
    expect(entry(report, 'tower.appName')?.source).toBe('env');
  });

  it('treats an empty environment variable as unset', () => {
    expect(config(yaml, { TOWER_APP_NAME: '' }).appName).toBe('From YAML');
  });

  it('reads TOWER_CONFIG_FILE relative to cwd', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'other.yml'), yaml);
    const report = loadTowerConfig({
      env: { TOWER_JWT_SECRET: SECRET, TOWER_CONFIG_FILE: 'other.yml' },
      cwd,
    });
    expect(report.config?.appName).toBe('From YAML');
    expect(entry(report, 'config-file')).toMatchObject({
      value: join(cwd, 'other.yml'),
      source: 'env',
    });
  });
});

describe('keys', () => {
  it('accepts camelCase and kebab-case spellings (relaxed binding)', () => {
    expect(config('tower:\n  server-url: https://a.example.com\n').serverUrl).toBe(
      'https://a.example.com',
    );
    expect(config('tower:\n  serverUrl: https://b.example.com\n').serverUrl).toBe(
      'https://b.example.com',
    );
    expect(config('tower:\n  app-name: Kebab\n').appName).toBe('Kebab');
    expect(config('tower:\n  auth:\n    disableEmail: true\n').auth.disableEmail).toBe(true);
  });

  it('accepts dotted keys', () => {
    expect(config('tower.ephemeral.duration: 2h\n').ephemeral.duration).toBe(7200);
  });

  it('reads the contact e-mail from tower.contact-email and mail.from', () => {
    expect(config('tower:\n  contact-email: a@x.org\n').contactEmail).toBe('a@x.org');
    expect(config('mail:\n  from: b@x.org\n').contactEmail).toBe('b@x.org');
    expect(
      config('mail:\n  from: b@x.org\n', { TOWER_CONTACT_EMAIL: 'c@x.org' }).contactEmail,
    ).toBe('c@x.org');
  });

  it('reads the legacy JWT secret key', () => {
    const secret = 'legacy-secret-legacy-secret-legacy-secret';
    const cwd = tempDir({
      'tower.yml': `micronaut.security.token.jwt.signatures.secret.generator.secret: ${secret}\n`,
    });
    const report = loadTowerConfig({ env: {}, cwd });
    expect(report.config?.jwtSecret).toBe(secret);
    expect(
      entry(report, 'micronaut.security.token.jwt.signatures.secret.generator.secret')?.source,
    ).toBe('tower.yml');
  });

  it('reads the current and the legacy token expiration keys, current first', () => {
    const legacy = 'micronaut:\n  security:\n    token:\n      jwt:\n        generator:\n';
    const legacyOnly = `${legacy}          access-token:\n            expiration: 1800\n          refresh-token:\n            expiration: 8h\n`;
    const legacyConfig = config(legacyOnly);
    expect(legacyConfig.auth.accessTokenExpiration).toBe(1800);
    expect(legacyConfig.auth.refreshTokenExpiration).toBe(8 * 3600);
    const both = `${legacyOnly}micronaut.security.token.generator.access-token.expiration: 20m
micronaut.security.token.jwt.signatures.refresh-token.expiration: 9h\n`;
    const bothConfig = config(both);
    expect(bothConfig.auth.accessTokenExpiration).toBe(1200);
    expect(bothConfig.auth.refreshTokenExpiration).toBe(9 * 3600);
  });

  it('reads nested micronaut token lifetimes and tower.ephemeral.duration', () => {
    const c = config(`micronaut:
  security:
    token:
      jwt:
        signatures:
          refresh-token:
            expiration: 8h
      generator:
        access-token:
          expiration: 3600
      refresh:
        cookie:
          cookie-max-age: 10h
tower:
  ephemeral:
    duration: 8h
`);
    expect(c.auth).toMatchObject({ refreshTokenExpiration: 28800, refreshCookieMaxAge: 36000 });
    expect(c.ephemeral.duration).toBe(28800);
  });

  it('reads trust-proxy as a number of proxies: false, true (one) or a count', () => {
    expect(config(null, { TOWER_TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(config(null, { TOWER_TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(config(null, { TOWER_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(config('tower:\n  trust-proxy: 3\n').trustProxy).toBe(3);
    expect(config('tower:\n  trust-proxy: true\n').trustProxy).toBe(1);
  });

  it('reads every other setting', () => {
    const c = config(
      `tower:
  trust-proxy: yes
  db:
    direct-url: postgres://u:p@db/x
  auth:
    session: { max-lifetime: 1d, refresh-grace: 0, retention: 2d }
    heartbeat-interval: 1m
    purge: { interval: 5m }
    audit: { retention: 30d }
  ephemeral: { max-bytes: 2048 }
auth.mail.duration: 15m
`,
    );
    expect(c.trustProxy).toBe(1);
    expect(c.database).toEqual({ directUrl: 'postgres://u:p@db/x' });
    expect(c.auth).toMatchObject({
      sessionMaxLifetime: 86400,
      refreshGrace: 0,
      sessionRetention: 172800,
      heartbeatInterval: 60,
      purgeInterval: 300,
      auditRetention: 2592000,
      mailDuration: 900,
    });
    expect(c.ephemeral.maxBytes).toBe(2048);
  });

  it('reads SMTP settings', () => {
    const c = config(null, {
      TOWER_SMTP_HOST: 'mail.example.com',
      TOWER_SMTP_PORT: '2525',
      TOWER_SMTP_USER: 'me',
      TOWER_SMTP_PASSWORD: 'pw',
      TOWER_SMTP_AUTH: 'FALSE',
      TOWER_SMTP_STARTTLS_ENABLED: 'Yes',
      TOWER_SMTP_STARTTLS_REQUIRED: '1',
    });
    expect(c.smtp).toEqual({
      host: 'mail.example.com',
      port: 2525,
      user: 'me',
      password: 'pw',
      auth: false,
      starttlsEnabled: true,
      starttlsRequired: true,
      sslEnabled: false,
      caFile: null,
    });
  });
});

describe('lists', () => {
  it('accepts comma lists and normalises allow lists', () => {
    const c = config(null, {
      TOWER_AUTH_EMAIL_ALLOW_LIST: ' *@Example.COM, ,bob@ｅｘａｍｐｌｅ.org ,',
    });
    expect(c.auth.emailAllowList).toEqual(['*@example.com', 'bob@example.org']);
  });

  it('accepts YAML lists', () => {
    const c = config(
      'tower:\n  auth:\n    github:\n      allow-list:\n        - "*@A.org"\n        - b@c.org\n',
    );
    expect(c.auth.github.allowList).toEqual(['*@a.org', 'b@c.org']);
  });

  it('lower-cases root users from a comma list or a YAML list', () => {
    expect(config(null, { TOWER_ROOT_USERS: '1, Admin@X.org' }).rootUsers).toEqual([
      '1',
      'admin@x.org',
    ]);
    expect(config('tower:\n  admin:\n    root-users: [2, Root@Y.org]\n').rootUsers).toEqual([
      '2',
      'root@y.org',
    ]);
    expect(
      config('tower:\n  admin:\n    root-users: "1,admin@your-company.example.com"\n').rootUsers,
    ).toEqual(['1', 'admin@your-company.example.com']);
  });

  it('always includes openid in the OIDC scopes', () => {
    expect(config(null, { TOWER_OIDC_SCOPES: 'email,groups' }).auth.oidc.scopes).toEqual([
      'openid',
      'email',
      'groups',
    ]);
    expect(config('tower.auth.oidc.scopes: [openid, email]\n').auth.oidc.scopes).toEqual([
      'openid',
      'email',
    ]);
    expect(config(null, { TOWER_OIDC_SCOPES: 'openid email' }).auth.oidc.scopes).toEqual([
      'openid',
      'email',
    ]);
  });
});

describe('derived values', () => {
  it('strips the trailing slash of the server URL and sets secure cookies for https', () => {
    const c = config(null, {
      TOWER_SERVER_URL: 'https://tower.example.com/',
      TOWER_SMTP_HOST: 'mail',
    });
    expect(c).toMatchObject({
      serverUrl: 'https://tower.example.com',
      secureCookies: true,
      serverUrlIsLocal: false,
    });
  });

  it.each([
    ['https://tower.example.com/', 'https://tower.example.com', ''],
    ['https://example.com/v1/', 'https://example.com/v1', '/v1'],
    ['https://example.com/tools/tower//', 'https://example.com/tools/tower', '/tools/tower'],
  ])('derives the base path of %s', (url, serverUrl, serverPath) => {
    const c = config(null, { TOWER_SERVER_URL: url, TOWER_SMTP_HOST: 'mail' });
    expect({ serverUrl: c.serverUrl, serverPath: c.serverPath }).toEqual({ serverUrl, serverPath });
  });

  it.each([
    ['http://localhost:8000', true],
    ['http://app.localhost', true],
    ['http://127.0.0.2:3000', true],
    ['http://[::1]:8000', true],
    ['https://example.com', false],
    ['https://localhost.example.com', false],
  ])('knows whether %s is local', (url, local) => {
    expect(
      config(null, { TOWER_SERVER_URL: url, TOWER_ENABLE_UNSAFE_MODE: 'true' }).serverUrlIsLocal,
    ).toBe(local);
  });

  it('enables a provider only with both a client id and a secret (OIDC also needs an issuer)', () => {
    const c = config(null, {
      TOWER_GITHUB_CLIENT: 'gh',
      TOWER_GITHUB_SECRET: 'ghs',
      TOWER_GOOGLE_CLIENT: 'g',
      TOWER_GOOGLE_SECRET: 'gs',
      TOWER_GOOGLE_HOSTED_DOMAIN: 'example.com',
      TOWER_OIDC_CLIENT: 'o',
      TOWER_OIDC_SECRET: 'os',
      TOWER_OIDC_ISSUER: 'https://idp.example.com/realms/x/',
      TOWER_OIDC_TOKEN_AUTH_METHOD: 'client_secret_post',
      TOWER_OIDC_LABEL: 'Sign in with Okta',
      TOWER_OIDC_REQUIRE_VERIFIED_EMAIL: 'true',
    });
    expect(c.authTypes).toEqual(['email', 'github', 'google', 'oidc']);
    expect(c.auth.google.hostedDomain).toBe('example.com');
    expect(c.auth.oidc).toMatchObject({
      enabled: true,
      clientId: 'o',
      clientSecret: 'os',
      issuer: 'https://idp.example.com/realms/x/',
      tokenAuthMethod: 'client_secret_post',
      label: 'Sign in with Okta',
      requireVerifiedEmail: true,
    });
  });

  it('turns e-mail login off when disabled and another provider is on', () => {
    const c = config(null, {
      TOWER_GITHUB_CLIENT: 'a',
      TOWER_GITHUB_SECRET: 'b',
      TOWER_AUTH_DISABLE_EMAIL: 'true',
    });
    expect(c.auth).toMatchObject({ disableEmail: true, emailEnabled: false });
    expect(c.authTypes).toEqual(['github']);
  });

  it('keeps e-mail login in development mode (local URL, no SMTP host)', () => {
    const report = load(null);
    expect(report.config?.auth.emailEnabled).toBe(true);
    expect(report.warnings.join('\n')).toMatch(/sign-in links are written to the log/);
  });

  it('turns e-mail login off without an SMTP host on a public URL', () => {
    const c = config(null, {
      TOWER_SERVER_URL: 'https://t.example.com',
      TOWER_GITHUB_CLIENT: 'a',
      TOWER_GITHUB_SECRET: 'b',
    });
    expect(c.auth.emailEnabled).toBe(false);
    expect(c.authTypes).toEqual(['github']);
  });
});

describe('loadTowerConfigOrThrow', () => {
  it('returns a deeply frozen configuration', () => {
    const c = loadTowerConfigOrThrow({ env: { TOWER_JWT_SECRET: SECRET }, cwd: tempDir() });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.auth.oidc.scopes)).toBe(true);
    expect(Object.isFrozen(c.database)).toBe(true);
  });

  it('throws ConfigValidationError listing every problem', () => {
    let error: unknown;
    try {
      loadTowerConfigOrThrow({
        env: { TOWER_TRUST_PROXY: 'x', TOWER_SMTP_PORT: '0' },
        cwd: tempDir(),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const { problems, message } = error as ConfigValidationError;
    expect(problems).toHaveLength(3);
    expect(message).toMatch(/TOWER_TRUST_PROXY \(tower\.trust-proxy\): "x" is not true, false/);
    expect(message).toMatch(/TOWER_SMTP_PORT \(mail\.smtp\.port\): "0" is not a valid port/);
    expect(message).toMatch(/TOWER_JWT_SECRET is not set/);
  });

  it('does not throw for a report with warnings only', () => {
    expect(() =>
      loadTowerConfigOrThrow({
        env: { TOWER_JWT_SECRET: SECRET, TOWER_AUTH_DISABLE_EMAIL: 'true' },
        cwd: tempDir(),
      }),
    ).not.toThrow();
  });
});

describe("settings of one's own", () => {
  const SETTINGS = {
    'queue.dir': set(k.path, 'queue', 'APP_QUEUE_DIR', 'app.queue.dir'),
    // A default that follows from the setting before it.
    'queue.spool': set(k.path, ({ 'queue.dir': dir }) => join(String(dir), 'spool'), null, []),
    'queue.workers': set(k.count, 4, 'APP_WORKERS', 'app.queue.workers'),
  };
  it("are read from env and tower.yml beside the module's, with their defaults", () => {
    const yaml = 'app:\n  queue:\n    workers: 8\n';
    const report = load(yaml, { APP_QUEUE_DIR: 'q' }, SETTINGS);
    expect(report.errors).toEqual([]);
    expect(report.warnings.join('\n')).not.toContain('Unknown key');
    const cwd = report.entries[0].value.replace(/\/tower\.yml$/, '');
    expect(report.config?.queue).toEqual({
      dir: join(cwd, 'q'),
      spool: join(cwd, 'q', 'spool'),
      workers: 8,
    });
    expect(report.config?.serverUrl).toBe('http://localhost:8000');
    expect(entry(report, 'app.queue.workers')).toEqual({
      key: 'app.queue.workers',
      env: 'APP_WORKERS',
      value: '8',
      source: 'tower.yml',
    });
  });

  it('are checked with the same messages', () => {
    expect(load(null, { APP_WORKERS: 'many' }, SETTINGS).errors).toEqual([
      'APP_WORKERS (app.queue.workers): "many" is not a positive whole number',
    ]);
  });
});
