import { describe, expect, it } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigReport } from 'tower-auth';
import { formatConfigReport, runConfigCheck } from './config-check.js';
import { serviceConfigReport } from './process-config.js';
import { tempDir } from '../../packages/tower-auth/src/config/temp-dir.test-config.js';

const SECRETS = {
  TOWER_JWT_SECRET: 'jwt-SECRET-value-0123456789-0123456789',
  TOWER_SMTP_PASSWORD: 'smtp-SECRET-value',
  TOWER_GITHUB_SECRET: 'github-SECRET-value',
  TOWER_GOOGLE_SECRET: 'google-SECRET-value',
  TOWER_OIDC_SECRET: 'oidc-SECRET-value',
  DATABASE_URL: 'postgres://tower:db-SECRET-value@db:5432/tower?sslpassword=ssl-SECRET-value',
  TOWER_METRICS_TOKEN: 'metrics-SECRET-value',
};
const CLIENTS = {
  TOWER_SERVER_URL: 'https://tower.example.com',
  TOWER_SMTP_HOST: 'mail.example.com',
  TOWER_GITHUB_CLIENT: 'gh',
  TOWER_GOOGLE_CLIENT: 'g',
  TOWER_OIDC_CLIENT: 'o',
  TOWER_OIDC_ISSUER: 'https://idp.example.com',
};

function check(env: Record<string, string>, yaml?: string): { code: number; output: string[] } {
  const cwd = tempDir();
  if (yaml !== undefined) writeFileSync(join(cwd, 'tower.yml'), yaml);
  const output: string[] = [];
  const code = runConfigCheck(env, cwd, (s) => output.push(s));
  return { code, output };
}

describe('formatConfigReport', () => {
  const report: ConfigReport = {
    config: null,
    entries: [
      {
        key: 'tower.serverUrl',
        env: 'TOWER_SERVER_URL',
        value: 'http://localhost:8000',
        source: 'default',
      },
      { key: 'auth.mail.duration', env: null, value: '30m', source: 'tower.yml' },
      { key: 'mail.smtp.host', env: 'TOWER_SMTP_HOST', value: '', source: 'default' },
    ],
    warnings: ['a warning'],
    errors: ['an error'],
  };

  it('prints an aligned table, then warnings and errors', () => {
    const lines = formatConfigReport(report).split('\n');
    expect(lines[0]).toMatch(/^KEY +ENV +VALUE +SOURCE$/);
    const valueColumn = lines[0].indexOf('VALUE');
    expect(lines[2].indexOf('http://localhost:8000')).toBe(valueColumn);
    expect(lines[3].indexOf('30m')).toBe(valueColumn);
    expect(lines[3]).toMatch(/^auth\.mail\.duration +- +30m +tower\.yml$/);
    expect(lines[4]).toContain('(not set)');
    expect(lines.slice(6)).toEqual(['Warnings:', '  - a warning', '', 'Errors:', '  - an error']);
  });

  it('says when there is nothing to report', () => {
    const text = formatConfigReport({ ...report, warnings: [], errors: [] });
    expect(text.endsWith('No problems found.')).toBe(true);
    expect(text).not.toContain('Warnings:');
  });
});

describe('masking', () => {
  const secretValues = [
    'jwt-SECRET',
    'smtp-SECRET',
    'github-SECRET',
    'google-SECRET',
    'oidc-SECRET',
    'db-SECRET',
    'ssl-SECRET',
    'metrics-SECRET',
  ];

  it('never prints a secret in the table', () => {
    const { code, output } = check({ ...SECRETS, ...CLIENTS });
    expect(code).toBe(0);
    const text = output.join('\n');
    for (const value of secretValues) expect(text).not.toContain(value);
    expect(text).toMatch(/TOWER_JWT_SECRET +\*\*\*\* +env/);
    expect(text).toContain('postgres://tower:****@db:5432/tower?sslpassword=****');
  });

  it('never prints a secret in warnings or errors', () => {
    const { code, output } = check(
      {
        ...SECRETS,
        TOWER_JWT_SECRET: 'short-SECRET',
        TOWER_OIDC_ISSUER: 'nope',
        DATABASE_URL: 'db-SECRET-value',
        TOWER_METRICS_TOKEN: 'metrics-SECRET',
      },
      'tower.auth.google.secret: "${MISSING}"\n',
    );
    expect(code).toBe(1);
    const text = output.join('\n');
    for (const value of ['short-SECRET', ...secretValues]) expect(text).not.toContain(value);
    expect(text).toContain('JWT token generator secret should be 35 characters or longer');
    expect(text).toContain(
      'TOWER_METRICS_TOKEN (metrics.token): the value (not shown) must be at least 16 characters',
    );
  });

  it('does not reveal the length of a secret', () => {
    const report = serviceConfigReport(SECRETS, tempDir(), false);
    const masked = report.entries.filter((e) => e.value.includes('*')).map((e) => e.value);
    expect(masked.filter((v) => !v.startsWith('postgres:'))).toEqual(Array(6).fill('****'));
  });
});

describe('runConfigCheck', () => {
  it("lists the service's log and metrics settings, and refuses a bad one", () => {
    const env = { TOWER_JWT_SECRET: SECRETS.TOWER_JWT_SECRET, TOWER_SMTP_HOST: 'mail' };
    const ok = check({ ...env, TOWER_LOG_LEVEL: 'Debug', TOWER_METRICS_PORT: '9464' });
    expect(ok.output[0]).toMatch(/^log\.level +TOWER_LOG_LEVEL +debug +env$/m);
    expect(ok.output[0]).toMatch(/^metrics\.port +TOWER_METRICS_PORT +9464 +env$/m);
    expect(ok.output[0]).toMatch(/^log\.format +TOWER_LOG_FORMAT +auto +default$/m);
    const bad = check({ ...env, TOWER_LOG_LEVEL: 'loud', TOWER_METRICS_PORT: '70000' });
    expect(bad.code).toBe(1);
    expect(bad.output[0]).toContain('TOWER_LOG_LEVEL (log.level): "loud" is not one of fatal');
    expect(bad.output[0]).toContain(
      'TOWER_METRICS_PORT (metrics.port): "70000" is not a valid port',
    );
  });

  it('returns 0 and reports no problems for a complete configuration', () => {
    const { code, output } = check({
      TOWER_JWT_SECRET: SECRETS.TOWER_JWT_SECRET,
      TOWER_SMTP_HOST: 'mail',
    });
    expect(code).toBe(0);
    expect(output).toHaveLength(1);
    expect(output[0]).toContain('No problems found.');
  });

  it('returns 0 with warnings only', () => {
    const { code, output } = check(
      { TOWER_JWT_SECRET: SECRETS.TOWER_JWT_SECRET },
      'tower:\n  colour: blue\n',
    );
    expect(code).toBe(0);
    expect(output[0]).toContain('Warnings:\n  - Unknown key tower.colour in tower.yml is ignored');
  });

  it('returns 1 when there are errors', () => {
    const { code, output } = check({ TOWER_JWT_SECRET: SECRETS.TOWER_JWT_SECRET }, 'tower: [\n');
    expect(code).toBe(1);
    expect(output[0]).toMatch(/Errors:\n {2}- tower\.yml: invalid YAML at line \d+/);
  });

  it('previews the development secret without writing it', () => {
    const cwd = tempDir();
    const code = runConfigCheck({}, cwd, () => undefined);
    expect(code).toBe(0);
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });
});
