import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type {
  OpenAPIObject,
  OperationObject,
  ResponseObject,
  SecurityRequirementObject,
} from '@nestjs/swagger';
import {
  ACCESS_RULE,
  type AccessRule,
  CREDENTIAL_RULE,
  ORIGIN_RULE,
  SECURITY,
} from 'tower-auth/openapi';

const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** Responses every guarded (or every) operation shares, under components.responses. */
export const STANDARD_RESPONSES: Record<string, ResponseObject> = {
  Unauthorized: {
    description:
      'No credential, or one that is malformed, expired or revoked, or whose user is gone or disabled. `WWW-Authenticate: Bearer`. Refresh and retry.',
    headers: { 'WWW-Authenticate': { schema: { type: 'string', enum: ['Bearer'] } } },
    content: ERROR_CONTENT,
  },
  Error: {
    description:
      'Any other error: the JSON error body (a 5xx shows nothing of its cause; 503 with `Retry-After` when the database is unreachable)',
    content: ERROR_CONTENT,
  },
};

const SESSION_SCHEMES = [SECURITY.bearer, SECURITY.accessCookie];
const TOKEN_SCHEMES = [SECURITY.personalToken, SECURITY.personalTokenBasic];

/** OpenAPI 3.1: for schemes other than OAuth the array names the roles required. */
function securityOf({ access, sessionOnly }: Rules): SecurityRequirementObject[] {
  if (access === 'public') return [];
  const roles = access === 'root' ? ['root'] : [];
  const schemes = sessionOnly ? SESSION_SCHEMES : [...SESSION_SCHEMES, ...TOKEN_SCHEMES];
  return schemes.map((scheme) => ({ [scheme]: roles }));
}

const UNSAFE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

type Controller = new (...args: never[]) => object;

interface Rules {
  access: AccessRule;
  /** @SameOriginOnly(): refused when a browser says another site sent it. */
  sameOrigin: boolean;
  /** @SessionOnly(): personal access tokens are refused. */
  sessionOnly: boolean;
}

const SIGNED_IN: Rules = { access: 'user', sameOrigin: false, sessionOnly: false };

/** `<Controller>_<method>` (the scanner's operation ids) to the rules the guard applies. */
function accessRules(app: INestApplication): Map<string, Rules> {
  const rules = new Map<string, Rules>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Controller | null;
      if (!controller) continue;
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[key];
        if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
        const rule = (name: string): unknown =>
          Reflect.getMetadata(name, handler) ?? Reflect.getMetadata(name, controller);
        rules.set(`${controller.name}_${key}`, {
          // The guard treats a route without a rule as one for signed-in users.
          access: (rule(ACCESS_RULE) as AccessRule | undefined) ?? 'user',
          sameOrigin: rule(ORIGIN_RULE) === 'same-origin',
          sessionOnly: rule(CREDENTIAL_RULE) === 'session',
        });
      }
    }
  }
  return rules;
}

function forbidden(
  { access, sameOrigin, sessionOnly }: Rules,
  method: string,
): ResponseObject | null {
  const unsafe = UNSAFE_METHODS.has(method);
  const reasons = [
    ...(access === 'root' ? ['the user is not a root user'] : []),
    ...(sessionOnly ? ['the credential is a personal access token'] : []),
    ...(unsafe && sameOrigin
      ? ['a browser says another site sent the request (`Sec-Fetch-Site`, `Origin`)']
      : unsafe && access !== 'public'
        ? ['a cross-site request authenticated by the cookie']
        : []),
  ];
  if (reasons.length === 0) return null;
  const text = reasons.join(', or ');
  return { description: text[0].toUpperCase() + text.slice(1), content: ERROR_CONTENT };
}

/**
 * Security, 401, 403 and the catch-all error of every operation, from the same metadata the
 * guard reads, so the document cannot drift from what is enforced. A security requirement
 * declared on the route (a public route that uses a credential when one comes) is kept.
 */
export function applyAccessRules(document: OpenAPIObject, app: INestApplication): void {
  const rules = accessRules(app);
  for (const item of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(item)) {
      const operation = value as OperationObject;
      if (typeof operation?.operationId !== 'string') continue;
      const rule = rules.get(operation.operationId) ?? SIGNED_IN;
      operation.security ??= securityOf(rule);
      const responses = operation.responses;
      if (rule.access !== 'public')
        responses['401'] ??= { $ref: '#/components/responses/Unauthorized' };
      const refused = forbidden(rule, method);
      if (refused) responses['403'] ??= refused;
      responses.default ??= { $ref: '#/components/responses/Error' };
    }
  }
}
