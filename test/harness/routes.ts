import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import {
  ACCESS_RULE,
  type AccessRule,
} from '../../packages/tower-auth/src/decorators/access.decorator.js';
import {
  ORIGIN_RULE,
  type OriginRule,
} from '../../packages/tower-auth/src/decorators/same-origin.decorator.js';
import { CREDENTIAL_RULE } from '../../packages/tower-auth/src/decorators/session-only.decorator.js';
import type { TestApp } from './app.js';

export interface Route {
  /** `<Controller>.<method>` */
  name: string;
  /** `GET`, `POST`, ... */
  method: string;
  /** Every path it answers at (`/x` and `/api/x`), with `:param` placeholders. */
  paths: string[];
  rule: AccessRule | undefined;
  /** @SameOriginOnly() or @CrossSiteAllowed(), if declared. */
  origin: OriginRule | undefined;
  /** @SessionOnly(): personal access tokens are refused. */
  sessionOnly: boolean;
}

/** Every handler of every controller in the application, with the rule it declares. */
export function routesOf(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const sub = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const paths = prefixes.flatMap((p) =>
          sub.map((s) => `/${[p, s].filter((x) => x && x !== '/').join('/')}`),
        );
        const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ??
          Reflect.getMetadata(ACCESS_RULE, controller)) as AccessRule | undefined;
        const origin = (Reflect.getMetadata(ORIGIN_RULE, handler) ??
          Reflect.getMetadata(ORIGIN_RULE, controller)) as OriginRule | undefined;
        const sessionOnly =
          (Reflect.getMetadata(CREDENTIAL_RULE, handler) ??
            Reflect.getMetadata(CREDENTIAL_RULE, controller)) === 'session';
        routes.push({
          name: `${controller.name}.${key}`,
          method,
          paths,
          rule,
          origin,
          sessionOnly,
        });
      }
    }
  }
  return routes;
}
