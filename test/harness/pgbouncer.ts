import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.js';

/** Debian's package (`apt-get install pgbouncer`, which .ci/run does); PGBOUNCER_PATH overrides. */
const CANDIDATES = [process.env.PGBOUNCER_PATH, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];
export const PGBOUNCER = CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;

export interface PgBouncer {
  /** `url` with PgBouncer's host and port: the same database, through the pooler. */
  readonly url: string;
  /** Its log so far (for a failing test's message). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real PgBouncer in transaction pooling mode in front of the Postgres of `url`, on a free
 * port: every database name is forwarded, logins are accepted (auth_type any) and made to
 * Postgres as the user (and password) of `url`. PgBouncer refuses to run as root: as root it
 * runs as the `postgres` user.
 */
export async function startPgBouncer(url: string): Promise<PgBouncer> {
  if (!PGBOUNCER) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const target = new URL(url);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tower-pgbouncer-'));
  chmodSync(dir, 0o755);
  const server = [
    `host=${target.hostname}`,
    `port=${target.port || 5432}`,
    `user=${decodeURIComponent(target.username)}`,
    ...(target.password ? [`password=${decodeURIComponent(target.password)}`] : []),
  ].join(' ');
  const ini = path.join(dir, 'pgbouncer.ini');
  writeFileSync(
    ini,
    `[databases]
* = ${server}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 8
ignore_startup_parameters = extra_float_digits,options
logfile =
pidfile =
`,
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresIds() : {};
  const child = spawn(PGBOUNCER, [ini], { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const pooled = new URL(url);
  pooled.hostname = '127.0.0.1';
  pooled.port = String(port);
  await waitUntilAnswering(pooled.toString(), child, () => log);
  return {
    url: pooled.toString(),
    output: () => log,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = (flag: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn('id', [flag, 'postgres']);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) =>
        code === 0 ? resolve(Number.parseInt(out, 10)) : reject(new Error('no postgres user')),
      );
    });
  return { uid: await id('-u'), gid: await id('-g') };
}

async function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`pgbouncer does not answer:\n${log()}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
  if (child.exitCode === null) child.kill('SIGKILL');
}
