import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTowerConfig } from './config.loader.js';
import type { ConfigReport } from './tower-config.types.js';
import { tempDir } from './temp-dir.test-config.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';
const PUBLIC = {
  TOWER_SERVER_URL: 'https://tower.example.com',
  TOWER_SMTP_HOST: 'mail.example.com',
};
function load(yaml: string | null, env: Record<string, string> = {}): ConfigReport {
  const cwd = tempDir();
  if (yaml !== null) writeFileSync(join(cwd, 'tower.yml'), yaml);
  return loadTowerConfig({ env: { TOWER_JWT_SECRET: SECRET, ...env }, cwd });
}

function errorsOf(yaml: string | null, env: Record<string, string> = {}): string[] {
  const report = load(yaml, env);
  expect(report.config === null).toBe(report.errors.length > 0);
  return [...report.errors];
}

describe('JWT secret', () => {
  it('is required, naming TOWER_JWT_SECRET', () => {
    const cwd = tempDir();
    const report = loadTowerConfig({ env: {}, cwd });
    expect(report.errors).toEqual([expect.stringMatching(/^TOWER_JWT_SECRET is not set/)]);
  });

  it('must be 35 characters or longer', () => {
    const short = 'x'.repeat(34);
    expect(errorsOf(null, { TOWER_JWT_SECRET: short })).toEqual([
      'JWT token generator secret should be 35 characters or longer',
    ]);
    expect(errorsOf(null, { TOWER_JWT_SECRET: 'x'.repeat(35) })).toEqual([]);
  });
});

describe('OIDC providers', () => {
  const oidcEnv = {
    TOWER_OIDC_CLIENT: 'c',
    TOWER_OIDC_SECRET: 's',
    TOWER_OIDC_ISSUER: 'https://idp.example.com',
  };
  const keycloak =
    'tower:\n  auth:\n    keycloak:\n      issuer: https://kc.example.com\n      client: k\n';

  it('rejects a YAML list of two', () => {
    const yaml =
      'tower:\n  auth:\n    oidc:\n      - issuer: https://a.example.com\n      - issuer: https://b.example.com\n';
    expect(errorsOf(yaml).join('\n')).toMatch(/only one OIDC provider can be configured at a time/);
  });

  it('rejects another tower.auth section with an issuer next to tower.auth.oidc', () => {
    expect(errorsOf(keycloak, oidcEnv)).toEqual([
      'only one OIDC provider can be configured at a time, but tower.auth.oidc (TOWER_OIDC_*) and tower.auth.keycloak are configured',
    ]);
  });

  it('rejects two such sections', () => {
    const yaml = `${keycloak}    okta:\n      issuer: https://okta.example.com\n`;
    expect(errorsOf(yaml).join('\n')).toMatch(
      /only one OIDC provider.*tower\.auth\.keycloak and tower\.auth\.okta/,
    );
  });

  it('warns about a lone provider section under another name', () => {
    const report = load(keycloak);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toContain(
      'tower.auth.keycloak in tower.yml is ignored: configure the OIDC provider under tower.auth.oidc (TOWER_OIDC_*)',
    );
  });
});

describe('incomplete providers', () => {
  it.each([
    [
      'GitHub',
      { TOWER_GITHUB_CLIENT: 'id' },
      /GitHub login: the client id is set but the client secret \(TOWER_GITHUB_SECRET/,
    ],
    [
      'GitHub',
      { TOWER_GITHUB_SECRET: 'sec' },
      /GitHub login: the client secret is set but the client id \(TOWER_GITHUB_CLIENT/,
    ],
    [
      'Google',
      { TOWER_GOOGLE_CLIENT: 'id' },
      /Google login: the client id is set but the client secret/,
    ],
    [
      'Google',
      { TOWER_GOOGLE_SECRET: 'sec' },
      /Google login: the client secret is set but the client id/,
    ],
    [
      'OIDC',
      { TOWER_OIDC_CLIENT: 'id', TOWER_OIDC_ISSUER: 'https://i.example.com' },
      /OIDC login: the client id is set but/,
    ],
    [
      'OIDC',
      { TOWER_OIDC_CLIENT: 'id', TOWER_OIDC_SECRET: 'sec' },
      /OIDC login: the issuer \(TOWER_OIDC_ISSUER/,
    ],
    [
      'OIDC',
      { TOWER_OIDC_ISSUER: 'https://i.example.com' },
      /OIDC login: the issuer is set but the client id and secret/,
    ],
    [
      'OIDC',
      {
        TOWER_OIDC_REQUIRE_VERIFIED_EMAIL: 'true',
        TOWER_OIDC_TRUST_UNVERIFIED_EMAIL: 'true',
      },
      /OIDC login: TOWER_OIDC_REQUIRE_VERIFIED_EMAIL .* refuses the e-mails that TOWER_OIDC_TRUST_UNVERIFIED_EMAIL .* trusts/,
    ],
  ])('reports %s with %j', (_name, env, pattern) => {
    expect(errorsOf(null, env)).toEqual([expect.stringMatching(pattern)]);
  });

  it('reports a provider from tower.yml', () => {
    expect(errorsOf('tower.auth.github.client: id\n')).toEqual([
      expect.stringMatching(/tower\.auth\.github\.secret\) is missing/),
    ]);
  });
});

describe('URLs', () => {
  it.each([
    [
      'TOWER_SERVER_URL',
      'not a url',
      /TOWER_SERVER_URL \(tower\.serverUrl\): "not a url" is not a valid URL/,
    ],
    [
      'TOWER_SERVER_URL',
      'ftp://x.example.com',
      /"ftp:\/\/x\.example\.com" is not an http\(s\) URL/,
    ],
    [
      'TOWER_GITHUB_SERVER_URL',
      'github',
      /TOWER_GITHUB_SERVER_URL \(tower\.auth\.github\.server-url\): "github" is not a valid URL/,
    ],
    [
      'TOWER_OIDC_ISSUER',
      'idp',
      /TOWER_OIDC_ISSUER \(tower\.auth\.oidc\.issuer\): "idp" is not a valid URL/,
    ],
  ])('rejects %s=%s', (name, value, pattern) => {
    const env = {
      TOWER_OIDC_CLIENT: 'c',
      TOWER_OIDC_SECRET: 's',
      TOWER_OIDC_ISSUER: 'https://i.example.com',
    };
    expect(errorsOf(null, { ...env, [name]: value }).join('\n')).toMatch(pattern);
  });

  it('rejects a plain http server URL without unsafe mode', () => {
    expect(errorsOf(null, { ...PUBLIC, TOWER_SERVER_URL: 'http://tower.example.com' })).toEqual([
      expect.stringMatching(
        /TOWER_SERVER_URL \/ tower\.serverUrl is http:\/\/tower\.example\.com: .*TOWER_ENABLE_UNSAFE_MODE=true/,
      ),
    ]);
  });

  it('accepts a plain http server URL in unsafe mode, without secure cookies', () => {
    const report = load(null, {
      ...PUBLIC,
      TOWER_SERVER_URL: 'http://tower.example.com',
      TOWER_ENABLE_UNSAFE_MODE: 'true',
    });
    expect(report.errors).toEqual([]);
    expect(report.config).toMatchObject({ secureCookies: false, unsafeMode: true });
  });

  it('accepts http on localhost', () => {
    expect(errorsOf(null, { TOWER_SERVER_URL: 'http://127.0.0.1:8000' })).toEqual([]);
  });

  it('rejects an http OIDC issuer unless it is local or unsafe mode is on', () => {
    const env = { ...PUBLIC, TOWER_OIDC_CLIENT: 'c', TOWER_OIDC_SECRET: 's' };
    expect(errorsOf(null, { ...env, TOWER_OIDC_ISSUER: 'http://idp.example.com' })).toEqual([
      expect.stringMatching(
        /TOWER_OIDC_ISSUER \/ tower\.auth\.oidc\.issuer is http:\/\/idp\.example\.com: an http OIDC issuer/,
      ),
    ]);
    expect(errorsOf(null, { ...env, TOWER_OIDC_ISSUER: 'http://localhost:8080/realms/x' })).toEqual(
      [],
    );
    expect(
      errorsOf(null, {
        ...env,
        TOWER_OIDC_ISSUER: 'http://idp.example.com',
        TOWER_SERVER_URL: 'http://t.example.com',
        TOWER_ENABLE_UNSAFE_MODE: 'yes',
      }),
    ).toEqual([]);
  });

  it('rejects an http GitHub Enterprise server unless it is local or unsafe mode is on', () => {
    const env = { ...PUBLIC, TOWER_GITHUB_CLIENT: 'c', TOWER_GITHUB_SECRET: 's' };
    expect(errorsOf(null, { ...env, TOWER_GITHUB_SERVER_URL: 'http://ghe.example.com' })).toEqual([
      expect.stringMatching(
        /TOWER_GITHUB_SERVER_URL .* is http:\/\/ghe\.example\.com: an http GitHub/,
      ),
    ]);
    expect(errorsOf(null, { ...env, TOWER_GITHUB_SERVER_URL: 'http://127.0.0.1:9000' })).toEqual(
      [],
    );
    expect(errorsOf(null, { ...env, TOWER_GITHUB_SERVER_URL: 'https://ghe.example.com' })).toEqual(
      [],
    );
  });
});

describe('bad values name the key, the variable and the value', () => {
  it.each([
    [
      { TOWER_SMTP_PORT: 'abc' },
      'TOWER_SMTP_PORT (mail.smtp.port): "abc" is not a valid port (1-65535)',
    ],
    [
      { TOWER_TRUST_PROXY: 'maybe' },
      'TOWER_TRUST_PROXY (tower.trust-proxy): "maybe" is not true, false or a number of proxies (0-16)',
    ],
    [
      { TOWER_TRUST_PROXY: '-1' },
      'TOWER_TRUST_PROXY (tower.trust-proxy): "-1" is not true, false or a number of proxies (0-16)',
    ],
    [
      { TOWER_TRUST_PROXY: '17' },
      'TOWER_TRUST_PROXY (tower.trust-proxy): "17" is not true, false or a number of proxies (0-16)',
    ],
    [
      { TOWER_OIDC_TOKEN_AUTH_METHOD: 'private_key_jwt' },
      'TOWER_OIDC_TOKEN_AUTH_METHOD (tower.auth.oidc.token-auth-method): "private_key_jwt" is not one of client_secret_basic, client_secret_post',
    ],
  ])('%j', (env, message) => {
    expect(errorsOf(null, env)).toEqual([message]);
  });

  it.each([
    [
      'tower.ephemeral.duration: soon\n',
      'tower.ephemeral.duration in tower.yml: "soon" is not a duration (use e.g. 30m',
    ],
    ['tower.ephemeral.duration: -1h\n', 'tower.ephemeral.duration in tower.yml: "-1h" is negative'],
    [
      'tower.auth.purge.interval: 0\n',
      'tower.auth.purge.interval in tower.yml: 0 must be longer than zero',
    ],
    [
      'auth.mail.duration: 500ms\n',
      'auth.mail.duration in tower.yml: "500ms" is not a whole number of seconds',
    ],
    [
      'tower.ephemeral.max-bytes: 1.5\n',
      'tower.ephemeral.max-bytes in tower.yml: 1.5 is not a positive whole number',
    ],
    [
      'tower.ephemeral.max-bytes: lots\n',
      'tower.ephemeral.max-bytes in tower.yml: "lots" is not a positive whole number',
    ],
    [
      'mail.smtp.port: 99999\n',
      'mail.smtp.port (TOWER_SMTP_PORT) in tower.yml: 99999 is not a valid port',
    ],
    [
      'tower.auth.disable-email: sometimes\n',
      'tower.auth.disable-email (TOWER_AUTH_DISABLE_EMAIL) in tower.yml: "sometimes" is not a boolean',
    ],
    [
      'tower.appName: [a, b]\n',
      'tower.appName (TOWER_APP_NAME) in tower.yml: ["a","b"] must be a single value',
    ],
    [
      'tower.admin.root-users: {a: 1}\n',
      'tower.admin.root-users (TOWER_ROOT_USERS) in tower.yml: {"a":1} must be a comma-separated list',
    ],
  ])('%j', (yaml, message) => {
    const errors = errorsOf(yaml);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('collects every problem at once', () => {
    expect(
      errorsOf('tower.ephemeral.duration: x\n', { TOWER_SMTP_PORT: 'y', TOWER_TRUST_PROXY: 'z' }),
    ).toHaveLength(3);
  });
});

describe('secrets never appear in messages', () => {
  it.each([
    ['DATABASE_DIRECT_URL', 'mysql://root:Pa55word-XYZ@db/x'],
    ['DATABASE_DIRECT_URL', 'Pa55word-XYZ'],
    ['TOWER_JWT_SECRET', 'Pa55word-XYZ'],
    ['TOWER_GITHUB_SERVER_URL', 'https://admin:Pa55word-XYZ@ghe.example.com'],
  ])('%s', (name, value) => {
    const report = load(null, { [name]: value });
    expect(report.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain('Pa55word-XYZ');
  });

  it('hides secrets of the wrong shape in tower.yml', () => {
    const report = load(
      'tower.auth.github.client: id\ntower.auth.github.secret: [Pa55word-XYZ]\nmail.smtp.password: {p: Pa55word-XYZ}\n',
    );
    expect(report.errors).toEqual([
      'mail.smtp.password (TOWER_SMTP_PASSWORD) in tower.yml: the value (not shown) must be a single value, not a list or mapping',
      'tower.auth.github.secret (TOWER_GITHUB_SECRET) in tower.yml: the value (not shown) must be a single value, not a list or mapping',
    ]);
    expect(JSON.stringify(report)).not.toContain('Pa55word-XYZ');
  });
});

describe('warnings', () => {
  it('warns when e-mail login is disabled with no other provider, and keeps it on', () => {
    const report = load(null, { TOWER_AUTH_DISABLE_EMAIL: 'true' });
    expect(report.config?.auth.emailEnabled).toBe(true);
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/TOWER_AUTH_DISABLE_EMAIL.*e-mail login stays on/),
    );
  });

  it('warns when the ephemeral duration is above the refresh expiration', () => {
    const report = load('tower.ephemeral.duration: 12h\n');
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        /tower\.ephemeral\.duration \(12h\) is longer than the refresh token expiration \(6h\)/,
      ),
    );
  });

  it('warns when the cookie max-age is below the refresh expiration', () => {
    const report = load('micronaut.security.token.refresh.cookie.cookie-max-age: 1h\n');
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/cookie-max-age \(1h\) is shorter than the refresh token expiration/),
    );
  });

  it('warns when the heartbeat is not below the access token lifetime', () => {
    const report = load('tower.auth.heartbeat-interval: 1h\n');
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        /heartbeat-interval \(1h\) is not below the access token expiration \(3600\)/,
      ),
    );
  });

  it('warns about unknown keys under tower and tower.auth, not elsewhere', () => {
    const report = load(
      'tower:\n  colour: blue\n  auth:\n    github:\n      teams: x\nmicronaut.server.port: 1\n',
    );
    expect(report.errors).toEqual([]);
    expect(report.warnings).toContain('Unknown key tower.colour in tower.yml is ignored');
    expect(report.warnings).toContain(
      'Unknown key tower.auth.github.teams in tower.yml is ignored',
    );
    expect(report.warnings.join('\n')).not.toContain('micronaut.server.port');
  });

  it('suggests the key a mistyped one is likely to be', () => {
    const report = load(
      'tower:\n  auth:\n    gihub:\n      client: x\n      secret: z\n  APP_NAME: y\n',
    );
    expect(report.warnings).toContain(
      'Unknown key tower.auth.gihub in tower.yml is ignored (did you mean tower.auth.github?)',
    );
    // One warning for the misnamed section; relaxed binding: case, dashes and underscores do
    // not make a key unknown.
    expect(report.warnings.filter((w) => w.startsWith('Unknown key'))).toHaveLength(1);
    expect(report.config?.appName).toBe('y');
  });

  it('warns when no login method is left', () => {
    const report = load(null, { TOWER_SERVER_URL: 'https://t.example.com' });
    expect(report.config?.authTypes).toEqual([]);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^No login method is available/));
  });

  it('warns that mail goes in clear only when STARTTLS is explicitly turned off', () => {
    const clear = /STARTTLS_ENABLED \/ mail\.smtp\.starttls\.enable is false: .* in clear text/;
    const warnings = (env: Record<string, string>, yaml: string | null = null): string[] => [
      ...load(yaml, { ...PUBLIC, ...env }).warnings,
    ];
    expect(warnings({ TOWER_SMTP_STARTTLS_ENABLED: 'false' })).toEqual([
      expect.stringMatching(clear),
    ]);
    expect(warnings({}, 'mail:\n  smtp:\n    starttls:\n      enable: false\n')).toEqual([
      expect.stringMatching(clear),
    ]);
    // Not by default, not when explicitly on, and not when TLS is there anyway.
    expect(warnings({})).toEqual([]);
    expect(warnings({ TOWER_SMTP_STARTTLS_ENABLED: 'true' })).toEqual([]);
    const off = { TOWER_SMTP_STARTTLS_ENABLED: 'false' };
    expect(warnings({ ...off, TOWER_SMTP_STARTTLS_REQUIRED: 'true' })).toEqual([]);
    expect(warnings({ ...off, TOWER_SMTP_PORT: '465' })).toEqual([]);
    expect(warnings({ ...off, TOWER_SMTP_SSL_ENABLED: 'true' })).toEqual([]);
  });

  it('has no warnings for a complete production set-up', () => {
    expect(load(null, PUBLIC).warnings).toEqual([]);
  });
});
