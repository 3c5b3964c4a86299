import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { Type } from '@nestjs/common';

/**
 * Nextflow's endpoint is `https://HOST/api`: with the `apiAlias` option every route of the
 * module is also served under `/api`. Off by default in a host app (its own routes are not
 * copied, and it may have its own `/api`); on in the service.
 */
export const API_PREFIX = 'api';

const aliases = new WeakMap<Type, Type>();

/**
 * Whether a request path (`/v1/api/ephemeral?x`) is under the `/api` copy of the routes: what
 * follows the server URL's path (`serverPath`, '' for a root URL) starts with `/api/`. A path
 * that does not start with `serverPath` (a proxy that strips it) is taken as it is.
 */
export function isApiAliasPath(path: string, serverPath: string): boolean {
  const within =
    serverPath !== '' && (path === serverPath || path.startsWith(`${serverPath}/`))
      ? path.slice(serverPath.length)
      : path;
  return within.startsWith(`/${API_PREFIX}/`);
}

/**
 * The controllers, each followed by a copy of itself at `api/<path>`. The copy is a subclass:
 * it shares the handlers and their metadata (access rules, OpenAPI descriptions), so it is the
 * same route at another path, and it is made once per controller.
 */
export function withApiAlias(controllers: readonly Type[]): Type[] {
  return controllers.flatMap((controller) => [controller, aliasOf(controller)]);
}

function aliasOf(controller: Type): Type {
  const known = aliases.get(controller);
  if (known) return known;
  const name = `${controller.name}ApiAlias`;
  const alias = { [name]: class extends controller {} }[name];
  const declared = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
  const paths = (Array.isArray(declared) ? declared : [declared ?? '']).map((path) =>
    [API_PREFIX, path.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/'),
  );
  Reflect.defineMetadata(PATH_METADATA, paths, alias);
  // Left out of an OpenAPI document (`@nestjs/swagger`'s key): each route is listed once.
  Reflect.defineMetadata('swagger/apiExcludeController', [true], alias);
  aliases.set(controller, alias);
  return alias;
}
