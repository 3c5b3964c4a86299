import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from 'tower-auth';
import { serviceConfigOf, serviceConfigReport } from './process-config.js';
import { tempDir } from '../../packages/tower-auth/src/config/temp-dir.test-config.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';

describe("the service's own settings", () => {
  it('have the documented defaults, the embedded database inside the data folder', () => {
    const cwd = tempDir();
    expect(serviceConfigOf({ TOWER_JWT_SECRET: SECRET }, cwd)).toMatchObject({
      dataDir: `${cwd}/.data`,
      http: { host: '0.0.0.0', port: 8000, platform: 'fastify' },
      database: {
        url: null,
        directUrl: null,
        migrationsRun: true,
        embeddedDir: `${cwd}/.data/postgres`,
      },
      log: { format: 'auto', level: 'info' },
      metrics: { port: null, token: null },
    });
    const moved = serviceConfigOf({ TOWER_JWT_SECRET: SECRET, TOWER_DATA_DIR: '/srv/tower' }, cwd);
    expect(moved.database.embeddedDir).toBe('/srv/tower/postgres');
  });

  it('are read from tower.yml and the environment beside the module settings', () => {
    const cwd = tempDir({
      'tower.yml': `tower:
  data-dir: state
  db:
    url: postgres://u:p@pgbouncer:6432/x
    direct-url: postgres://u:p@db/x
    migrations-run: "no"
    embedded-dir: /var/pg
`,
    });
    const env = {
      TOWER_JWT_SECRET: SECRET,
      PORT: '9000',
      HOST: '127.0.0.1',
      HTTP_PLATFORM: 'Express',
    };
    const report = serviceConfigReport(env, cwd, false);
    expect(report.errors).toEqual([]);
    expect(report.warnings.join('\n')).not.toContain('Unknown key');
    expect(report.config).toMatchObject({
      dataDir: `${cwd}/state`,
      http: { host: '127.0.0.1', port: 9000, platform: 'express' },
      database: {
        url: 'postgres://u:p@pgbouncer:6432/x',
        directUrl: 'postgres://u:p@db/x',
        migrationsRun: false,
        embeddedDir: '/var/pg',
      },
    });
  });

  it('are checked like the module settings, secrets unshown', () => {
    const env = {
      TOWER_JWT_SECRET: SECRET,
      PORT: '70000',
      HTTP_PLATFORM: 'koa',
      DATABASE_URL: 'mysql://root:Pa55word-XYZ@db/x',
      TOWER_METRICS_TOKEN: 'short',
    };
    let error: unknown;
    try {
      serviceConfigOf(env, tempDir());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([
      'PORT (http.port): "70000" is not a valid port (0-65535)',
      'HTTP_PLATFORM (http.platform): "koa" is not one of fastify, express',
      'TOWER_METRICS_TOKEN (metrics.token): the value (not shown) must be at least 16 characters',
      'DATABASE_URL (tower.db.url): the value (not shown) is not a postgres:// or postgresql:// URL',
    ]);
  });
});
