import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KEY_SPECS } from '../packages/tower-auth/src/config/config.keys.js';
import { SERVICE_SETTINGS } from '../src/config/service-settings.js';

/**
 * Static checks of the container set-up (docker-compose.yml, Dockerfile, the Keycloak realm and
 * .env.example). They parse the files instead of running `docker compose config`: CI machines
 * have no Docker engine, and these are the mistakes that otherwise surface only at `up` time.
 */
const ROOT = new URL('../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, ROOT), 'utf8');

type Env = Record<string, string | number | boolean | null>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Env | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  network_mode?: string;
}
interface Compose {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface RealmClient {
  clientId: string;
  secret?: string;
  publicClient?: boolean;
  clientAuthenticatorType?: string;
  standardFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  redirectUris?: string[];
  webOrigins?: string[];
  attributes?: Record<string, string>;
}
interface RealmUser {
  username: string;
  email?: string;
  emailVerified?: boolean;
  enabled?: boolean;
  credentials?: { type: string; value: string; temporary?: boolean }[];
}
interface Realm {
  realm: string;
  enabled?: boolean;
  clients?: RealmClient[];
  users?: RealmUser[];
}

const COMPOSE_TEXT = read('docker-compose.yml');
const compose = parse(COMPOSE_TEXT) as Compose;
const services = compose.services;
const ENV_EXAMPLE = parseEnvFile(read('.env.example'));
const REALM_TARGET = '/opt/keycloak/data/import/realm-tower.json';
const CALLBACK = 'http://localhost:8000/oauth/callback/oidc';

function parseEnvFile(text: string): Map<string, { value: string; commented: boolean }> {
  const vars = new Map<string, { value: string; commented: boolean }>();
  for (const line of text.split('\n')) {
    const match = /^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) vars.set(match[2], { value: match[3].trim(), commented: match[1] !== undefined });
  }
  return vars;
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((item) => [item.split('=')[0] ?? item, item.slice(item.indexOf('=') + 1)])
    : Object.entries(env).map(([key, value]) => [key, String(value)]);
  return Object.fromEntries(entries);
}

/** Container ports published to the host, from short ("8080:8080", "127.0.0.1:1025:1025/tcp") or long syntax. */
function publishedPorts(service: Service): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return Number(port.published ?? port.target);
    const parts = String(port)
      .replace(/\/\w+$/, '')
      .split(':');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.at(-1)).toBe(parts.at(-2));
    return Number(parts.at(-1));
  });
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, dep]) => [name, dep.condition ?? 'service_started']),
  );
}

function bindMount(
  service: Service,
  target: string,
): { source: string; readOnly: boolean } | undefined {
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'object') {
      if (volume.target === target)
        return { source: volume.source ?? '', readOnly: volume.read_only === true };
      continue;
    }
    const [source, mountTarget, mode] = volume.split(':');
    if (mountTarget === target)
      return { source: source, readOnly: (mode ?? '').split(',').includes('ro') };
  }
  return undefined;
}

/** Variables compose interpolates: `${VAR}`, `${VAR:-x}`, `${VAR:?msg}`, `$VAR`; `$$` is a literal `$`. */
function interpolatedVariables(node: unknown, found = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    const text = node.replaceAll('$$', '');
    for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) found.add(match[1]);
  } else if (Array.isArray(node)) {
    node.forEach((item) => interpolatedVariables(item, found));
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      interpolatedVariables(key, found);
      interpolatedVariables(value, found);
    }
  }
  return found;
}

function loadRealm(): Realm {
  const mount = bindMount(services.keycloak, REALM_TARGET);
  expect(mount).toBeDefined();
  const source = new URL(mount!.source, ROOT);
  expect(existsSync(source)).toBe(true);
  return JSON.parse(readFileSync(source, 'utf8')) as Realm;
}

/** Dockerfile stages: instructions (continuations joined, comments dropped) grouped by FROM. */
function dockerStages(text: string): { from: string; instructions: [string, string][] }[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const stages: { from: string; instructions: [string, string][] }[] = [];
  for (const line of lines.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages.at(-1)?.instructions.push([op.toUpperCase(), args]);
  }
  return stages;
}

describe('docker-compose.yml', () => {
  it('is a compose-spec file with the four services', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(services).sort()).toEqual(['keycloak', 'mailpit', 'postgres', 'tower-auth']);
  });

  it('runs Postgres with a pg_isready health check on a named volume', () => {
    const postgres = services.postgres;
    expect(postgres.image).toMatch(/^postgres:1[6-9](\.\d+)*-alpine$/);
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    expect(environment(postgres)).toMatchObject({ POSTGRES_USER: 'tower', POSTGRES_DB: 'tower' });
    expect(environment(postgres).POSTGRES_PASSWORD).toBeTruthy();
    const named = (postgres.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':')[0] : (v.source ?? ''),
    );
    expect(named.some((name) => Object.keys(compose.volumes ?? {}).includes(name))).toBe(true);
  });

  it('runs Mailpit with SMTP on 1025 and the inbox on 8025', () => {
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit(:|$)/);
    expect(publishedPorts(services.mailpit)).toEqual(expect.arrayContaining([1025, 8025]));
  });

  it('runs Keycloak 26 in dev mode on 8080, importing the realm file read-only', () => {
    const keycloak = services.keycloak;
    expect(keycloak.image).toMatch(/^quay\.io\/keycloak\/keycloak:26(\.\d+)*$/);
    const command = [keycloak.command ?? []].flat().join(' ');
    expect(command).toMatch(/\bstart-dev\b/);
    expect(command).toContain('--import-realm');
    const env = environment(keycloak);
    expect(env.KC_BOOTSTRAP_ADMIN_USERNAME).toBeTruthy();
    expect(env.KC_BOOTSTRAP_ADMIN_PASSWORD).toBeTruthy();
    expect(publishedPorts(keycloak)).toContain(8080);
    expect(bindMount(keycloak, REALM_TARGET)?.readOnly).toBe(true);
  });

  it('imports a realm whose confidential `tower` client matches the service', () => {
    const realm = loadRealm();
    const env = environment(services['tower-auth']);
    expect(realm.realm).toBe('tower');
    expect(realm.enabled).toBe(true);
    const client = realm.clients?.find((c) => c.clientId === env.TOWER_OIDC_CLIENT);
    expect(client).toBeDefined();
    expect(client).toMatchObject({
      clientId: 'tower',
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
    });
    expect(client!.secret).toBeTruthy();
    expect(client!.secret).toBe(env.TOWER_OIDC_SECRET);
    expect(client!.redirectUris).toEqual([CALLBACK]);
    expect(client!.redirectUris).toEqual([`${env.TOWER_SERVER_URL}/oauth/callback/oidc`]);
    expect(client!.webOrigins).toEqual([env.TOWER_SERVER_URL]);
    expect(client!.attributes?.['pkce.code.challenge.method']).toBe('S256');
  });

  it('imports a test user who can sign in without further steps', () => {
    const alice = loadRealm().users?.find((u) => u.username === 'alice');
    expect(alice).toMatchObject({ email: 'alice@example.com', emailVerified: true, enabled: true });
    expect(alice!.credentials).toEqual([{ type: 'password', value: 'alice', temporary: false }]);
  });

  it('gives the browser and the service one OIDC issuer, served by Keycloak on localhost', () => {
    const env = environment(services['tower-auth']);
    const hostname = environment(services.keycloak).KC_HOSTNAME;
    expect(env.TOWER_OIDC_ISSUER).toBe(`${hostname}/realms/${loadRealm().realm}`);
    const issuer = new URL(env.TOWER_OIDC_ISSUER);
    expect(issuer.hostname).toBe('localhost');
    expect(publishedPorts(services.keycloak)).toContain(Number(issuer.port));
    // "localhost" inside the tower-auth container is Keycloak only in Keycloak's namespace.
    expect(services['tower-auth'].network_mode).toBe('service:keycloak');
  });

  it('builds tower-auth from the Dockerfile and publishes it on 8000 after its dependencies', () => {
    const tower = services['tower-auth'];
    const build = typeof tower.build === 'string' ? { context: tower.build } : (tower.build ?? {});
    expect(build.context).toBeDefined();
    const context = new URL(`${build.context!.replace(/\/?$/, '/')}`, ROOT);
    expect(existsSync(new URL(build.dockerfile ?? 'Dockerfile', context))).toBe(true);
    const owner = tower.network_mode?.startsWith('service:')
      ? services[tower.network_mode.slice(8)]
      : tower;
    expect(publishedPorts(owner)).toContain(8000);
    expect(dependsOn(tower)).toMatchObject({ postgres: 'service_healthy' });
    expect(Object.keys(dependsOn(tower))).toEqual(expect.arrayContaining(['mailpit', 'keycloak']));
    const env = environment(tower);
    expect(env.TOWER_SERVER_URL).toBe('http://localhost:8000');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/tower:.+@postgres:5432\/tower$/);
    expect(env).toMatchObject({
      TOWER_SMTP_HOST: 'mailpit',
      TOWER_SMTP_PORT: '1025',
      TOWER_SMTP_AUTH: 'false',
    });
    expect(env.TOWER_JWT_SECRET).toMatch(/^\$\{TOWER_JWT_SECRET:\?.+\}$/);
  });
});

describe('.env.example', () => {
  const specs = [...KEY_SPECS, ...Object.values(SERVICE_SETTINGS)];
  const serviceVariables = [...specs.map((spec) => spec.env), 'TOWER_CONFIG_FILE'].filter(
    (name): name is string => name !== null,
  );

  it('lists every variable docker-compose.yml interpolates', () => {
    const used = [...interpolatedVariables(compose)];
    expect(used).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'TOWER_JWT_SECRET']));
    expect(used.filter((name) => !ENV_EXAMPLE.has(name))).toEqual([]);
  });

  it('lists every variable the service reads, and the service reads every TOWER_* the stack sets', () => {
    expect(serviceVariables.filter((name) => !ENV_EXAMPLE.has(name))).toEqual([]);
    const set = Object.keys(environment(services['tower-auth'])).filter((k) =>
      /^(TOWER_|DATABASE_URL$)/.test(k),
    );
    expect(set.length).toBeGreaterThan(5);
    expect(
      set.filter((name) => !serviceVariables.includes(name) || !ENV_EXAMPLE.has(name)),
    ).toEqual([]);
  });

  it('holds no real-looking secret', () => {
    const jwt = ENV_EXAMPLE.get('TOWER_JWT_SECRET');
    expect(jwt).toBeDefined();
    expect(jwt!.value).toMatch(/^(|<[^>]*>|change-?me.*)$/i);
    for (const [name, { value }] of ENV_EXAMPLE) {
      if (/(SECRET|PASSWORD)$/.test(name)) expect({ name, value }).toEqual({ name, value: '' });
      expect({ name, entropyLike: /^[A-Za-z0-9+/=_-]{32,}$/.test(value) }).toEqual({
        name,
        entropyLike: false,
      });
    }
  });

  it('is documented key by key in docs/configuration.md', () => {
    const docs = read('docs/configuration.md');
    expect(serviceVariables.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const last = stages.at(-1)!;
  const ops = (op: string): string[] =>
    last.instructions.filter(([o]) => o === op).map(([, args]) => args);

  it('builds on a Node 20+ Debian slim image and ships a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages)
      expect(stage.from).toMatch(/^node:(2[0-9])(\.\d+)*-bookworm-slim\b/);
    const build = stages[0].instructions.map(([op, args]) => `${op} ${args}`).join('\n');
    expect(build).toMatch(/RUN .*npm ci/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('runs the compiled service as a non-root user with a health check', () => {
    const user = ops('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(ops('CMD').at(-1)).toBe('["node", "dist/main.js"]');
    expect(ops('EXPOSE')).toContain('8000');
    expect(ops('ENV').join(' ')).toMatch(/\bPORT=8000\b/);
    expect(ops('ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    expect(ops('HEALTHCHECK').join(' ')).toMatch(/node[\s\S]*\/health/);
  });

  it('ships the tower-auth workspace package the service imports', () => {
    const copies = ops('COPY').join('\n');
    expect(copies).toMatch(/\/app\/packages\/tower-auth\/package\.json/);
    expect(copies).toMatch(/\/app\/packages\/tower-auth\/dist/);
  });
});
