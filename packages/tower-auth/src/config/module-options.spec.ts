import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { KEY_SPECS, type KeySpec } from './config.keys.js';
import { loadTowerConfig } from './config.loader.js';
import { kindOf, lowerCaseList, scopes } from './config.values.js';
import {
  moduleConfigReport,
  resolveModuleConfig,
  type AuthModuleConfigOptions,
} from './module-options.js';
import { ConfigValidationError } from './tower-config.types.js';
import { tempDir } from './temp-dir.test-config.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';
const HIDDEN = 'Pa55word-XYZ';
/** The problems of `options`, from the thrown error's message. */
function problems(options: unknown): string {
  try {
    resolveModuleConfig(options as AuthModuleConfigOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).message;
  }
  throw new Error('expected a ConfigValidationError');
}

/** Dotted path → nested object, e.g. `auth.mail.duration` → `{auth: {mail: {duration}}}`. */
function nest(pairs: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, value] of pairs) {
    const names = path.split('.');
    let node = root;
    for (const name of names.slice(0, -1)) node = (node[name] ??= {}) as Record<string, unknown>;
    node[names.at(-1)!] = value;
  }
  return root;
}

/** A valid value of each kind, different from the default. */
function sample(spec: KeySpec): unknown {
  switch (kindOf(spec.schema)) {
    case 'string':
      return `${spec.id}-value`;
    case 'secret':
      return `${spec.id}-secret-value-long-enough-for-any-rule`;
    case 'boolean':
      // Requiring verified e-mails and trusting unverified ones exclude each other.
      return spec.id !== 'auth.oidc.trustUnverifiedEmail';
    case 'proxy-hops':
      return 2;
    case 'port':
      return 2525;
    case 'integer':
      return 7;
    case 'duration':
      return spec.id === 'auth.refreshCookieMaxAge' ? '3h' : '2h';
    case 'list':
      if (spec.schema === scopes) return 'openid groups';
      return spec.schema === lowerCaseList ? 'Root@Example.com,42' : ['*@example.com'];
    case 'enum':
      return 'client_secret_post';
    case 'url':
      return 'https://sso.example.com/realms/tower';
    case 'database-url':
      return 'postgres://db.example.com/tower';
    case 'path':
      return '/etc/ssl/relay-ca.pem';
  }
}

describe('a host that gives only a server URL and a secret', () => {
  const originalAppName = process.env.TOWER_APP_NAME;
  afterEach(() => {
    if (originalAppName === undefined) delete process.env.TOWER_APP_NAME;
    else process.env.TOWER_APP_NAME = originalAppName;
  });

  it('gets the tower.yml defaults, without reading process.env or a tower.yml in cwd', () => {
    process.env.TOWER_APP_NAME = 'From process.env';
    const cwd = tempDir({ 'tower.yml': 'tower:\n  appName: From cwd tower.yml\n' });
    const { config, warnings } = resolveModuleConfig({
      serverUrl: 'https://app.example.com/v1',
      jwtSecret: SECRET,
      cwd,
    });
    expect(config).toMatchObject({
      serverUrl: 'https://app.example.com/v1',
      secureCookies: true,
      appName: 'Seqera',
      jwtSecret: SECRET,
      rootUsers: [],
      smtp: { host: null, port: 587, auth: true },
      ephemeral: { duration: 6 * 3600, maxBytes: 1048576 },
    });
    expect(config.auth).toMatchObject({
      mailDuration: 1800,
      accessTokenExpiration: 3600,
      refreshTokenExpiration: 6 * 3600,
      refreshCookieMaxAge: 12 * 3600,
      sessionMaxLifetime: 7 * 86400,
      rateLimit: { email: { max: 5, window: 900 }, client: { max: 30, window: 900 } },
    });
    expect(Object.isFrozen(config.auth.github)).toBe(true);
    expect(warnings).toEqual([
      'No login method is available: set TOWER_SMTP_HOST for e-mail login or configure GitHub, Google or OIDC',
    ]);
  });

  it('must give the secret: none is generated, even on localhost, and nothing is written', () => {
    const cwd = tempDir();
    const message = problems({ serverUrl: 'http://localhost:3000', cwd });
    expect(message).toContain('TOWER_JWT_SECRET is not set');
    expect(message).toContain('give it as the jwtSecret option');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('needs no database, HTTP or data-folder setting, and ignores those of the service', () => {
    const cwd = tempDir({
      'shared.yml': 'tower:\n  db:\n    url: ${DATABASE_URL}\n  data-dir: 3\n',
    });
    const env = { DATABASE_URL: 'mysql://x', PORT: 'eighty', HTTP_PLATFORM: 'koa', HOST: '' };
    const { config, warnings } = resolveModuleConfig({
      jwtSecret: SECRET,
      env,
      configFile: 'shared.yml',
      cwd,
    });
    // The service's own settings are not the module's: not read, and not in its config at all.
    expect(config.database).toEqual({ directUrl: null });
    expect(config).not.toHaveProperty('http');
    expect(config).not.toHaveProperty('dataDir');
    // Read from a tower.yml of the service, its keys are unknown here: ignored, and said so.
    expect(warnings).toEqual(
      expect.arrayContaining([
        'Unknown key tower.db.url in shared.yml is ignored',
        'Unknown key tower.data-dir in shared.yml is ignored',
      ]),
    );
  });
});

describe('every setting is reachable from the options', () => {
  it('has an option path, named after its tower.yml key unless given', () => {
    expect(KEY_SPECS.filter((spec) => typeof spec.option !== 'string')).toEqual([]);
    const option = (id: string) => KEY_SPECS.find((spec) => spec.id === id)?.option;
    expect(option('auth.github.allowList')).toBe('auth.github.allowList');
    expect(option('auth.accessTokenExpiration')).toBe('tokens.accessTokenExpiration');
  });

  it('reads each option as the service reads the same value in tower.yml', () => {
    const cwd = tempDir();
    const pairs = KEY_SPECS.map((spec) => [spec.option, sample(spec)] as const);
    const report = moduleConfigReport({ ...nest(pairs), cwd });
    expect(report.errors).toEqual([]);
    const fromOptions = new Map(report.entries.map((e) => [e.key, e.source]));
    expect(KEY_SPECS.filter((spec) => fromOptions.get(spec.key) !== 'options')).toEqual([]);

    const yaml = KEY_SPECS.map((spec) => [spec.yaml[0], sample(spec)] as const);
    writeFileSync(join(cwd, 'tower.yml'), stringify(nest(yaml)));
    const service = loadTowerConfig({ env: {}, cwd });
    expect(service.errors).toEqual([]);
    expect(service.config).toEqual(report.config);
  });
});

describe('a full example', () => {
  const options: AuthModuleConfigOptions = {
    serverUrl: 'https://tower.example.com/',
    jwtSecret: SECRET,
    appName: 'Acme Tower',
    contactEmail: 'tower@example.com',
    enableUnsafeMode: false,
    rootUsers: ['Admin@Example.com', '7'],
    trustProxy: true,
    auth: {
      disableEmail: true,
      mail: { duration: '15m' },
      email: { allowList: '*@example.com, *@partner.org' },
      github: { client: 'gh-id', secret: 'gh-secret', allowList: ['*@example.com'] },
      google: { client: 'g-id', secret: 'g-secret', hostedDomain: 'example.com' },
      oidc: {
        client: 'tower',
        secret: 'oidc-secret',
        issuer: 'https://sso.example.com/realms/tower/',
        scopes: ['email', 'groups'],
        tokenAuthMethod: 'client_secret_post',
        label: 'Sign in with Keycloak',
        requireVerifiedEmail: true,
      },
      session: { maxLifetime: '1d', refreshGrace: 0 },
      heartbeatInterval: '2m',
      purge: { interval: '1h', batchSize: 100 },
      rateLimit: { email: { max: 3, window: '10m' } },
    },
    smtp: {
      host: 'smtp.example.com',
      port: 465,
      user: 'mailer',
      password: 'smtp-password',
      starttls: { enable: true, required: true },
    },
    tokens: { accessTokenExpiration: 900, refreshTokenExpiration: '8h', refreshCookieMaxAge: '8h' },
    ephemeral: { duration: '4h', maxBytes: 65536 },
  };

  it('builds the configuration with no warning', () => {
    const { config, warnings } = resolveModuleConfig(options);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      serverUrl: 'https://tower.example.com',
      appName: 'Acme Tower',
      contactEmail: 'tower@example.com',
      rootUsers: ['admin@example.com', '7'],
      trustProxy: 1,
      smtp: { host: 'smtp.example.com', port: 465, starttlsEnabled: true, starttlsRequired: true },
      ephemeral: { duration: 4 * 3600, maxBytes: 65536 },
      authTypes: ['github', 'google', 'oidc'],
    });
    expect(config.auth).toMatchObject({
      emailEnabled: false,
      mailDuration: 900,
      emailAllowList: ['*@example.com', '*@partner.org'],
      accessTokenExpiration: 900,
      refreshTokenExpiration: 8 * 3600,
      sessionMaxLifetime: 86400,
      refreshGrace: 0,
      purgeBatchSize: 100,
      rateLimit: { email: { max: 3, window: 600 }, client: { max: 30, window: 900 } },
      github: { enabled: true, clientSecret: 'gh-secret', serverUrl: 'https://github.com' },
      google: { enabled: true, hostedDomain: 'example.com' },
      oidc: {
        enabled: true,
        issuer: 'https://sso.example.com/realms/tower/',
        scopes: ['openid', 'email', 'groups'],
        tokenAuthMethod: 'client_secret_post',
        label: 'Sign in with Keycloak',
      },
    });
  });

  it('accepts the OIDC provider written as a list of one, as tower.yml allows', () => {
    const oidc = options.auth!.oidc as object;
    const { config } = resolveModuleConfig({ ...options, auth: { ...options.auth, oidc: [oidc] } });
    expect(config.auth.oidc.clientId).toBe('tower');
  });
});

describe('value forms', () => {
  const seconds = (duration: string | number): number =>
    resolveModuleConfig({ jwtSecret: SECRET, ephemeral: { duration } }).config.ephemeral.duration;

  it.each([[3600], ['3600'], ['1h'], ['60m'], ['PT1H'], ['3600000ms']])(
    'reads the duration %j as 3600 seconds',
    (duration) => expect(seconds(duration)).toBe(3600),
  );

  it('reads lists as arrays or comma strings, and scopes also space separated', () => {
    const lists = (rootUsers: string | string[], scopes: string | string[]) =>
      resolveModuleConfig({
        jwtSecret: SECRET,
        rootUsers,
        auth: { oidc: { client: 'c', secret: 's', issuer: 'https://sso.example.com', scopes } },
      }).config;
    const a = lists(['A@x.org', ' b@x.org', 'a@x.org'], ['email', 'profile']);
    const b = lists('a@x.org, B@x.org,', 'email profile');
    expect(a.rootUsers).toEqual(['a@x.org', 'b@x.org']);
    expect(b.rootUsers).toEqual(a.rootUsers);
    expect(b.auth.oidc.scopes).toEqual(['openid', 'email', 'profile']);
    expect(a.auth.oidc.scopes).toEqual(b.auth.oidc.scopes);
  });

  it('reads flags and numbers written as strings, as a ConfigService returns them', () => {
    const { config } = resolveModuleConfig({
      jwtSecret: SECRET,
      trustProxy: 'yes',
      smtp: { host: 'mail', port: '2525', auth: 'false' },
    });
    expect(config).toMatchObject({ trustProxy: 1, smtp: { port: 2525, auth: false } });
  });

  it('treats undefined, null and empty strings as not given', () => {
    const { config } = resolveModuleConfig({
      jwtSecret: SECRET,
      appName: '',
      contactEmail: undefined,
      smtp: null as never,
    });
    expect(config).toMatchObject({ appName: 'Seqera', contactEmail: null, smtp: { host: null } });
  });
});

describe('env and configFile', () => {
  const yaml = 'tower:\n  appName: From file\n  contactEmail: file@example.com\n';

  it('take precedence env > options > configFile > defaults', () => {
    const cwd = tempDir({ 'auth.yml': yaml });
    const appName = (options: AuthModuleConfigOptions): string =>
      resolveModuleConfig({ jwtSecret: SECRET, cwd, ...options }).config.appName;
    expect(appName({})).toBe('Seqera');
    expect(appName({ configFile: 'auth.yml' })).toBe('From file');
    expect(appName({ configFile: 'auth.yml', appName: 'From options' })).toBe('From options');
    expect(appName({ configFile: 'auth.yml', appName: ' ' })).toBe('From file');
    expect(
      appName({
        configFile: 'auth.yml',
        appName: 'From options',
        env: { TOWER_APP_NAME: 'From env' },
      }),
    ).toBe('From env');
    const { config } = resolveModuleConfig({
      configFile: join(cwd, 'auth.yml'),
      env: { TOWER_JWT_SECRET: SECRET, TOWER_APP_NAME: '' },
      appName: 'From options',
    });
    expect(config).toMatchObject({ appName: 'From options', contactEmail: 'file@example.com' });
  });

  it('takes the file from TOWER_CONFIG_FILE in env before configFile, and placeholders from env only', () => {
    const cwd = tempDir({
      'auth.yml': yaml,
      'env.yml': 'tower:\n  appName: ${APP_LABEL}\n  contactEmail: ${MAIL_FROM:x@example.com}\n',
    });
    process.env.MAIL_FROM = 'process@example.com';
    try {
      const { config } = resolveModuleConfig({
        jwtSecret: SECRET,
        cwd,
        configFile: 'auth.yml',
        env: { TOWER_CONFIG_FILE: 'env.yml', APP_LABEL: 'From env.yml' },
      });
      expect(config).toMatchObject({ appName: 'From env.yml', contactEmail: 'x@example.com' });
    } finally {
      delete process.env.MAIL_FROM;
    }
  });

  it('refuses a configFile that does not exist, and env values that are not strings', () => {
    const cwd = tempDir();
    const message = problems({
      jwtSecret: SECRET,
      cwd,
      configFile: 'missing.yml',
      env: { TOWER_SMTP_PORT: 25 as unknown as string },
    });
    expect(message).toContain(
      `configFile points to ${join(cwd, 'missing.yml')}, which does not exist`,
    );
    expect(message).toContain(
      'env.TOWER_SMTP_PORT: Invalid input: expected string, received number',
    );
  });
});

describe('validation', () => {
  it('lists every problem in one message, with the 35-character secret rule', () => {
    const message = problems({
      serverUrl: 'http://tower.example.com',
      jwtSecret: 'too-short',
      auth: {
        mail: { duration: 'soon' },
        github: { client: 'gh-id' },
        oidc: { client: 'tower', secret: 'oidc-secret' },
      },
      smtp: { port: 70000 },
      ephemeral: { maxBytes: -1 },
    });
    expect(message.split('\n')).toEqual([
      'Invalid configuration:',
      '  - smtp.port (TOWER_SMTP_PORT) in the module options: 70000 is not a valid port (1-65535)',
      '  - auth.mail.duration in the module options: "soon" is not a duration (use e.g. 30m, 6h, 3600s, 1d, PT1H or a number of seconds)',
      '  - ephemeral.maxBytes in the module options: -1 is not a positive whole number',
      '  - JWT token generator secret should be 35 characters or longer',
      '  - GitHub login: the client id is set but the client secret (TOWER_GITHUB_SECRET / tower.auth.github.secret) is missing',
      '  - OIDC login: the issuer (TOWER_OIDC_ISSUER / tower.auth.oidc.issuer) is missing',
      '  - TOWER_SERVER_URL / tower.serverUrl is http://tower.example.com: a plain http server URL needs TOWER_ENABLE_UNSAFE_MODE=true (cookies then lose Secure); only localhost may use http without it',
    ]);
    expect(
      resolveModuleConfig({
        serverUrl: 'http://tower.example.com',
        jwtSecret: SECRET,
        enableUnsafeMode: true,
      }).config.secureCookies,
    ).toBe(false);
  });

  it('refuses two OIDC providers, in the options or across options and configFile', () => {
    const oidc = { client: 'c', secret: 's', issuer: 'https://sso.example.com' };
    expect(problems({ jwtSecret: SECRET, auth: { oidc: [oidc, oidc] } })).toContain(
      'auth.oidc lists 2 providers: only one OIDC provider can be configured at a time',
    );
    const cwd = tempDir({ 'auth.yml': 'tower.auth.okta.issuer: https://acme.okta.com\n' });
    expect(problems({ jwtSecret: SECRET, cwd, configFile: 'auth.yml', auth: { oidc } })).toContain(
      'only one OIDC provider can be configured at a time, but tower.auth.oidc (TOWER_OIDC_*) and tower.auth.okta are configured',
    );
  });

  it('never echoes a secret', () => {
    const message = problems({
      jwtSecret: HIDDEN,
      jwtSecert: HIDDEN,
      smtp: { password: [HIDDEN] as never },
      auth: {
        github: { secret: HIDDEN, serverUrl: `https://admin:${HIDDEN}@ghe.example.com` },
        google: { client: 'g', secret: { value: HIDDEN } as never },
        oidc: { secret: HIDDEN },
      },
      env: { TOWER_OIDC_CLIENT: 'c' },
    });
    expect(message).toContain('JWT token generator secret should be 35 characters or longer');
    expect(message).toContain(
      'smtp.password (TOWER_SMTP_PASSWORD) in the module options: the value (not shown)',
    );
    expect(message).toContain('https://admin:****@ghe.example.com/');
    expect(message).not.toContain(HIDDEN);
  });
});

describe('unknown options', () => {
  it('are errors naming the option, with the likely one', () => {
    const message = problems({
      jwtSecert: SECRET,
      serverURL: 'https://x.example.com',
      auth: { github: { allowlist: ['*@x.org'] }, sesion: {}, frobnicate: 1 },
      smtp: { starttls: { enabled: true } },
    });
    expect(message).toContain('Unknown option jwtSecert (did you mean jwtSecret?)');
    expect(message).toContain('Unknown option serverURL (did you mean serverUrl?)');
    expect(message).toContain(
      'Unknown option auth.github.allowlist (did you mean auth.github.allowList?)',
    );
    expect(message).toContain('Unknown option auth.sesion (did you mean auth.session?)');
    expect(message).toMatch(
      /Unknown option auth\.frobnicate: the options of auth are disableEmail, mail, .*oidc/,
    );
    expect(message).toContain(
      'Unknown option smtp.starttls.enabled (did you mean smtp.starttls.enable?)',
    );
    expect(message).toContain('TOWER_JWT_SECRET is not set');
  });

  it('refuses an option object of the wrong shape', () => {
    expect(problems({ jwtSecret: SECRET, auth: 'github' })).toContain(
      'auth must be an object of options, not a string',
    );
    expect(problems(null)).toContain('The AuthModule options must be an object, not null');
    expect(problems({ jwtSecret: SECRET, cwd: ' ', env: [] as never })).toMatch(
      /env: Invalid input: expected record, received array\n.*cwd: must not be empty/s,
    );
  });
});

describe('docs/configuration.md', () => {
  function findUp(file: string): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, file))) {
      if (dirname(dir) === dir) throw new Error(`${file} not found`);
      dir = dirname(dir);
    }
    return join(dir, file);
  }

  it('maps every option to its tower.yml key and variable', () => {
    const docs = readFileSync(findUp('docs/configuration.md'), 'utf8');
    const rows = new Set(docs.split('\n').filter((line) => line.startsWith('| `')));
    const missing = KEY_SPECS.filter((spec) => {
      const cells = [spec.option, spec.yaml[0], ...(spec.env ? [spec.env] : [])];
      return ![...rows].some((row) => cells.every((cell) => row.includes(`\`${cell}\``)));
    });
    expect(missing.map((spec) => spec.id)).toEqual([]);
  });
});
