import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTowerConfig } from 'tower-auth';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { serviceConfigReport } from './process-config.js';
import { tempDir } from '../../packages/tower-auth/src/config/temp-dir.test-config.js';

const jwtEntry = 'micronaut.security.token.jwt.signatures.secret.generator.secret';

describe('development secret', () => {
  it('is generated in the data folder for a local server URL, with mode 0600', () => {
    const cwd = tempDir();
    const dataDir = join(cwd, 'nested', 'state');
    const report = serviceConfigReport({ TOWER_DATA_DIR: dataDir }, cwd);
    expect(report.errors).toEqual([]);
    const file = join(dataDir, 'jwt-secret');
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(report.config).toMatchObject({ jwtSecret: secret });
    expect(report.entries.find((e) => e.key === jwtEntry)).toMatchObject({
      value: '****',
      source: 'generated',
    });
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/TOWER_JWT_SECRET is not set: generated a development secret in/),
    );
    expect(JSON.stringify(report.entries)).not.toContain(secret);
  });

  it('is reused on the next start', () => {
    const cwd = tempDir();
    const first = serviceConfigReport({}, cwd);
    const second = serviceConfigReport({}, cwd);
    expect(second.config?.jwtSecret).toBe(first.config?.jwtSecret);
    expect(second.warnings).toContainEqual(
      expect.stringMatching(/using the development secret in .*\.data\/jwt-secret/),
    );
  });

  it('is not used when the server URL is not local', () => {
    const cwd = tempDir();
    const report = serviceConfigReport(
      { TOWER_SERVER_URL: 'https://t.example.com', TOWER_SMTP_HOST: 'm' },
      cwd,
    );
    expect(report.errors).toEqual([
      expect.stringMatching(/^TOWER_JWT_SECRET is not set.*only when the server URL is localhost/),
    ]);
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('is not used by the library loader unless asked for', () => {
    const cwd = tempDir();
    const report = loadTowerConfig({ env: {}, cwd });
    expect(report.errors).toEqual([expect.stringMatching(/^TOWER_JWT_SECRET is not set/)]);
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('is not used when tower.yml holds the secret', () => {
    const secret = 'yaml-secret-yaml-secret-yaml-secret-yaml';
    const cwd = tempDir({
      'tower.yml': `micronaut.security.token.jwt.signatures.secret.generator.secret: ${secret}\n`,
    });
    const report = serviceConfigReport({}, cwd);
    expect(report.config).toMatchObject({ jwtSecret: secret });
    expect(report.entries.find((e) => e.key === jwtEntry)?.source).toBe('tower.yml');
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('is held to the length rule when read back', () => {
    const cwd = tempDir();
    loadOrCreateDevSecret(join(cwd, '.data'));
    writeFileSync(join(cwd, '.data', 'jwt-secret'), 'short\n');
    const report = serviceConfigReport({}, cwd);
    expect(report.errors).toEqual(['JWT token generator secret should be 35 characters or longer']);
  });

  it('reports a data folder that cannot be created', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'file'), '');
    const report = serviceConfigReport({ TOWER_DATA_DIR: 'file/data' }, cwd);
    expect(report.errors).toEqual([
      expect.stringMatching(
        /development secret .* cannot be used \(ENOTDIR\); set TOWER_JWT_SECRET/,
      ),
    ]);
  });

  it('is only previewed, never written, in a dry run', () => {
    const cwd = tempDir();
    const report = serviceConfigReport({}, cwd, false);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/the service will generate a development secret in/),
    );
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('is read in a dry run when present', () => {
    const cwd = tempDir();
    const created = loadOrCreateDevSecret(join(cwd, '.data'));
    const report = serviceConfigReport({}, cwd, false);
    expect(created.ok && report.config?.jwtSecret === created.secret).toBe(true);
  });
});
