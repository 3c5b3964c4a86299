import type { TowerConfig } from '../config/tower-config.types.js';

export const ACCESS_COOKIE = 'JWT';
export const REFRESH_COOKIE = 'JWT_REFRESH_TOKEN';
export const REFRESH_COOKIE_PATH = '/oauth/access_token';

/** More values than this for one name is not a browser talking; the rest are ignored. */
const MAX_VALUES = 4;
const MAX_COOKIE_HEADER = 16 * 1024;

/**
 * Every value sent for `name`, in order, unquoted (the JDK sends `JWT="..."`). Parsed here
 * rather than by a platform plugin so Fastify and Express behave the same.
 */
export function cookieValues(header: string | string[] | undefined, name: string): string[] {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text || text.length > MAX_COOKIE_HEADER) return [];
  const values: string[] = [];
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (value) values.push(value);
    if (values.length === MAX_VALUES) break;
  }
  return values;
}

function attributes(config: TowerConfig, path: string, maxAge: number): string {
  const secure = config.secureCookies ? '; Secure' : '';
  return `Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/** Both session cookies (SPEC §3); never a Domain attribute. */
export function sessionCookies(
  config: TowerConfig,
  accessToken: string,
  refreshToken: string,
): string[] {
  return [
    `${ACCESS_COOKIE}=${accessToken}; ${attributes(config, '/', config.auth.accessTokenExpiration)}`,
    `${REFRESH_COOKIE}=${refreshToken}; ${attributes(config, REFRESH_COOKIE_PATH, config.auth.refreshCookieMaxAge)}`,
  ];
}

/** Same names and paths, emptied and expired. */
export function clearedCookies(config: TowerConfig): string[] {
  return [
    `${ACCESS_COOKIE}=; ${attributes(config, '/', 0)}`,
    `${REFRESH_COOKIE}=; ${attributes(config, REFRESH_COOKIE_PATH, 0)}`,
  ];
}
