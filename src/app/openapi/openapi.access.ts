import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { routeRules, type RouteRules } from 'tower-auth/openapi';

const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** The responses operations share by `$ref` (`text`: docs/api.md's `## Responses`). */
export function standardResponses(text: Map<string, string>): Record<string, ResponseObject> {
  const error = (name: string) => ({ description: text.get(name) ?? '', content: ERROR_CONTENT });
  const bearer = { 'WWW-Authenticate': { schema: { type: 'string', enum: ['Bearer'] } } };
  return { Unauthorized: { ...error('Unauthorized'), headers: bearer }, Error: error('Error') };
}

const SESSION_SCHEMES = ['bearer', 'accessCookie'];
const TOKEN_SCHEMES = ['personalToken', 'personalTokenBasic'];
const UNSAFE_METHODS = ['post', 'put', 'patch', 'delete'];
const OTHER_SITE = 'a browser says another site sent the request (`Sec-Fetch-Site`, `Origin`)';
const COOKIE_CROSS_SITE = 'a cross-site request authenticated by the cookie';

/** `<Controller>_<method>` (the scanner's operation ids) to the rules the guard reads. */
function rulesByOperation(app: INestApplication): Map<string, RouteRules> {
  const reflector = new Reflector();
  const rules = new Map<string, RouteRules>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype: controller } of module.controllers.values()) {
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, object>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        rules.set(`${controller.name}_${name}`, routeRules(reflector, prototype[name], controller));
      }
    }
  }
  return rules;
}

/** Why the guard answers 403, if it can (only a state-changing request is checked for origin). */
function refusals({ access, sameOrigin, sessionOnly }: RouteRules, method: string): string {
  const origin = sameOrigin ? OTHER_SITE : access !== 'public' && COOKIE_CROSS_SITE;
  const reasons = [
    access === 'root' && 'the user is not a root user',
    sessionOnly && 'the credential is a personal access token',
    UNSAFE_METHODS.includes(method) && origin,
  ];
  const text = reasons.filter(Boolean).join(', or ');
  return text && text[0].toUpperCase() + text.slice(1);
}

/**
 * Security, 401, 403 and the catch-all error of every operation, from the same metadata the
 * guard reads, so the document cannot drift from what is enforced. A security requirement
 * declared on the route (a public route that uses a credential when one comes) is kept. In
 * OpenAPI 3.1 a requirement of a scheme other than OAuth names the roles required.
 */
export function applyAccessRules(document: OpenAPIObject, app: INestApplication): void {
  const rules = rulesByOperation(app);
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject][]) {
      const rule = rules.get(operation?.operationId ?? '');
      if (!rule) continue;
      const { access, sessionOnly } = rule;
      const schemes = sessionOnly ? SESSION_SCHEMES : [...SESSION_SCHEMES, ...TOKEN_SCHEMES];
      const roles = access === 'root' ? ['root'] : [];
      operation.security ??= access === 'public' ? [] : schemes.map((name) => ({ [name]: roles }));
      const { responses } = operation;
      if (access !== 'public') responses['401'] ??= { $ref: '#/components/responses/Unauthorized' };
      const refused = refusals(rule, method);
      if (refused) responses['403'] ??= { description: refused, content: ERROR_CONTENT };
      responses.default ??= { $ref: '#/components/responses/Error' };
    }
  }
}
