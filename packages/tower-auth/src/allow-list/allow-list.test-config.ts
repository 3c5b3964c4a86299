import type { AuthType, TowerConfig } from '../config/tower-config.types.js';

/** The parts of a TowerConfig AllowListService reads, for unit tests. */
export function testConfigFor(lists: Partial<Record<AuthType, string[]>>): TowerConfig {
  return {
    auth: {
      emailAllowList: lists.email ?? [],
      github: { allowList: lists.github ?? [] },
      google: { allowList: lists.google ?? [] },
      oidc: { allowList: lists.oidc ?? [] },
    },
  } as unknown as TowerConfig;
}
