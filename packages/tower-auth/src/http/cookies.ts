import type { TowerConfig } from '../config/tower-config.types.js';

export const ACCESS_COOKIE = 'JWT';
export const REFRESH_COOKIE = 'JWT_REFRESH_TOKEN';
/** The refresh endpoint, relative to the server URL: the only path the refresh cookie goes to. */
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

/**
 * The path of the cookies every route of the module reads: the server URL's path (`/v1` under
 * a global prefix, which covers `/v1/api` too), `/` for a root URL.
 */
export function cookieRootPath(config: Pick<TowerConfig, 'serverPath'>): string {
  return config.serverPath || '/';
}

/** Where the refresh cookie is sent: the refresh endpoint under the server URL's path. */
export function refreshCookiePath(config: Pick<TowerConfig, 'serverPath'>): string {
  return `${config.serverPath}${REFRESH_COOKIE_PATH}`;
}

/** Both session cookies (`JWT`, `JWT_REFRESH_TOKEN`); never a Domain attribute. */
export function sessionCookies(
  config: TowerConfig,
  accessToken: string,
  refreshToken: string,
): string[] {
  return [
    `${ACCESS_COOKIE}=${accessToken}; ${attributes(config, cookieRootPath(config), config.auth.accessTokenExpiration)}`,
    `${REFRESH_COOKIE}=${refreshToken}; ${attributes(config, refreshCookiePath(config), config.auth.refreshCookieMaxAge)}`,
  ];
}

/** Same names and paths, emptied and expired. */
export function clearedCookies(config: TowerConfig): string[] {
  return [
    `${ACCESS_COOKIE}=; ${attributes(config, cookieRootPath(config), 0)}`,
    `${REFRESH_COOKIE}=; ${attributes(config, refreshCookiePath(config), 0)}`,
  ];
}
