import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTowerConfig } from './config.loader.js';
import { normalizePath, parseYaml } from './config.sources.js';
import type { ConfigReport } from './tower-config.types.js';
import { tempDir } from './temp-dir.test-config.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';
function load(yaml: string, env: Record<string, string> = {}): ConfigReport {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'tower.yml'), yaml);
  return loadTowerConfig({ env: { TOWER_JWT_SECRET: SECRET, ...env }, cwd });
}

describe('normalizePath', () => {
  it('ignores case, dashes and underscores in every segment', () => {
    expect(normalizePath('tower.serverUrl')).toBe(normalizePath('tower.server-url'));
    expect(normalizePath('tower.server_url')).toBe('tower.serverurl');
  });
});

describe('interpolation', () => {
  it('substitutes a set variable', () => {
    const report = load('tower:\n  appName: "${NAME} Platform"\n', { NAME: 'Acme' });
    expect(report.config?.appName).toBe('Acme Platform');
  });

  it('uses the default when the variable is unset', () => {
    expect(load('tower:\n  appName: ${NAME:Fallback}\n').config?.appName).toBe('Fallback');
  });

  it('prefers the variable over its default', () => {
    expect(load('tower:\n  appName: ${NAME:Fallback}\n', { NAME: 'Set' }).config?.appName).toBe(
      'Set',
    );
  });

  it('interpolates inside YAML lists', () => {
    const report = load(
      'tower:\n  admin:\n    root-users:\n      - ${ROOT}\n      - ${OTHER:b@x.org}\n',
      {
        ROOT: 'A@x.org',
      },
    );
    expect(report.config?.rootUsers).toEqual(['a@x.org', 'b@x.org']);
  });

  it('reports an unset variable without a default, naming the variable and the key', () => {
    const report = load('tower:\n  auth:\n    github:\n      secret: ${GH_SECRET}\n');
    expect(report.config).toBeNull();
    expect(report.errors).toEqual([
      expect.stringMatching(
        /^tower\.auth\.github\.secret in tower\.yml refers to \$\{GH_SECRET\}.*GH_SECRET is not set/,
      ),
    ]);
  });

  it('feeds interpolated text to the value parsers', () => {
    const report = load('mail:\n  smtp:\n    port: ${SMTP_PORT:2525}\n');
    expect(report.config?.smtp.port).toBe(2525);
  });
});

describe('tower.yml problems', () => {
  it('reports malformed YAML with its line number', () => {
    const report = load('tower:\n  appName: ok\n  auth: [\n');
    expect(report.config).toBeNull();
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/^tower\.yml: invalid YAML at line \d+, column \d+: /);
  });

  it('reports the exact line of a bad mapping', () => {
    const report = load('tower:\n  appName: ok\nb: c: d\n');
    expect(report.errors[0]).toMatch(/at line 3, column/);
  });

  it('does not echo the offending line, which may hold a secret', () => {
    const report = load('tower:\n  auth:\n    github:\n      secret: s3cr3t-value: oops\n');
    expect(report.errors.join('\n')).not.toContain('s3cr3t-value');
  });

  it.each([
    ['- a\n- b\n', 'a list'],
    ['just text\n', 'a single value'],
  ])('rejects a root that is not a mapping (%j)', (yaml, kind) => {
    expect(load(yaml).errors).toEqual([
      `tower.yml: the top level must be a mapping of keys, not ${kind}`,
    ]);
  });

  it('accepts an empty file', () => {
    expect(load('').errors).toEqual([]);
  });

  it('reports a TOWER_CONFIG_FILE that does not exist', () => {
    const cwd = tempDir();
    const report = loadTowerConfig({
      env: { TOWER_JWT_SECRET: SECRET, TOWER_CONFIG_FILE: 'missing.yml' },
      cwd,
    });
    expect(report.errors).toEqual([
      `TOWER_CONFIG_FILE points to ${join(cwd, 'missing.yml')}, which does not exist`,
    ]);
  });

  it('runs without tower.yml when none is present', () => {
    const report = loadTowerConfig({ env: { TOWER_JWT_SECRET: SECRET }, cwd: tempDir() });
    expect(report.errors).toEqual([]);
    expect(report.entries.find((e) => e.key === 'config-file')?.value).toBe('');
  });

  it('warns when two spellings of one key are given', () => {
    const report = load(
      'tower:\n  serverUrl: http://localhost:1\n  server-url: http://localhost:2\n',
    );
    expect(report.config?.serverUrl).toBe('http://localhost:2');
    expect(report.warnings).toContain(
      'tower.serverUrl and tower.server-url in tower.yml are the same key; using tower.server-url',
    );
  });
});

describe('parseYaml', () => {
  it('flattens nested and dotted keys, skipping blank values', () => {
    const source = parseYaml('/x/tower.yml', 'a:\n  b.c: 1\n  d: ""\n  e: ~\n', {});
    expect([...source.leaves.values()]).toEqual([{ path: 'a.b.c', value: 1 }]);
  });

  it('unwraps a one-entry OIDC list and rejects more entries', () => {
    const one = parseYaml(
      '/x/tower.yml',
      'tower:\n  auth:\n    oidc:\n      - issuer: https://a\n',
      {},
    );
    expect(one.leaves.get('tower.auth.oidc.issuer')?.value).toBe('https://a');
    const two = parseYaml(
      '/x/tower.yml',
      'tower:\n  auth:\n    oidc:\n      - issuer: https://a\n      - issuer: https://b\n',
      {},
    );
    expect(two.errors).toEqual([
      'tower.auth.oidc in tower.yml lists 2 providers: only one OIDC provider can be configured at a time',
    ]);
  });
});
