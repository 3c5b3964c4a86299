/**
 * Every route is served at its path and under `/api` (Nextflow's endpoint is
 * `https://HOST/api`). Declared on the controller, so it holds on either HTTP platform and
 * in a host application.
 */
export const API_PREFIX = 'api';

export function routes(path: string): string[] {
  const clean = path.replace(/^\/+|\/+$/g, '');
  return clean === '' ? ['', API_PREFIX] : [clean, `${API_PREFIX}/${clean}`];
}
