import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FallbackSecret } from 'tower-auth';

export const DEV_SECRET_FILE = 'jwt-secret';

export type DevSecretResult =
  | { readonly ok: true; readonly secret: string; readonly file: string; readonly done: string }
  | { readonly ok: false; readonly error: string };

/**
 * The secret a local service uses when TOWER_JWT_SECRET is not set: kept in the data folder so
 * that sessions survive restarts. `write: false` (config check) reads one but never creates it.
 */
export function developmentSecret(write: boolean): FallbackSecret {
  return ({ dataDir }) => {
    if (typeof dataDir !== 'string')
      return { error: 'TOWER_DATA_DIR is invalid: no development secret' };
    const result = loadOrCreateDevSecret(dataDir, write);
    if (!result.ok) return { error: result.error };
    const warning = `TOWER_JWT_SECRET is not set: ${result.done} ${result.file} (localhost only). Set TOWER_JWT_SECRET (openssl rand -base64 48) before anyone else uses this service; every instance needs the same value`;
    return { secret: result.secret, warning };
  };
}

/** Created with mode 0600 and `wx`, so that two instances starting together agree. */
export function loadOrCreateDevSecret(dataDir: string, write = true): DevSecretResult {
  const file = join(dataDir, DEV_SECRET_FILE);
  const existing = readSecret(file);
  if (existing !== null) return existing;
  const secret = randomBytes(48).toString('base64url');
  if (!write) {
    return { ok: true, secret, file, done: 'the service will generate a development secret in' };
  }
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { ok: true, secret, file, done: 'generated a development secret in' };
  } catch (error) {
    const code = errorCode(error);
    // Another instance created it first: use theirs.
    return code === 'EEXIST' ? (readSecret(file) ?? cannot(file, code)) : cannot(file, code);
  }
}

function readSecret(file: string): DevSecretResult | null {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    return { ok: true, secret, file, done: 'using the development secret in' };
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? null : cannot(file, errorCode(error));
  }
}

function cannot(file: string, code: string): DevSecretResult {
  return {
    ok: false,
    error: `TOWER_JWT_SECRET is not set and the development secret ${file} cannot be used (${code}); set TOWER_JWT_SECRET`,
  };
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
