import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Role } from '../tokens/token.service.js';

/** Who made the request, as the guard established it from the credential. */
export interface AuthPrincipal {
  readonly userId: string;
  /** The e-mail the access token was issued for; null in tokens of older versions. */
  readonly email: string | null;
  readonly sessionId: string;
  readonly roles: readonly Role[];
  readonly isRoot: boolean;
  /** Which credential authenticated the request. */
  readonly credential: 'session';
  /** How the credential came: a cookie-authenticated request is subject to the Origin check. */
  readonly via: 'bearer' | 'cookie';
}

export const PRINCIPAL = Symbol('tower:principal');

export function principalOf(holder: unknown): AuthPrincipal | undefined {
  if (typeof holder !== 'object' || holder === null) return undefined;
  return (holder as { [PRINCIPAL]?: AuthPrincipal })[PRINCIPAL];
}

export function attachPrincipal(holder: object, principal: AuthPrincipal): void {
  (holder as { [PRINCIPAL]?: AuthPrincipal })[PRINCIPAL] = principal;
}

/**
 * The principal of an HTTP request, or of another kind of call (GraphQL, WebSocket, RPC): there
 * the guard attached it to the object the host's credential extractor named, which is one of
 * the handler's arguments or their `req`.
 */
function principalIn(context: ExecutionContext): AuthPrincipal | undefined {
  if (context.getType() === 'http') return principalOf(context.switchToHttp().getRequest());
  for (const arg of context.getArgs<unknown[]>()) {
    const found =
      principalOf(arg) ?? principalOf((arg as { req?: unknown } | null | undefined)?.req);
    if (found) return found;
  }
  return undefined;
}

/** Injects the AuthPrincipal; on a public route without one, 401. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthPrincipal => {
    const principal = principalIn(context);
    if (!principal) throw new UnauthorizedException('Authentication required');
    return principal;
  },
);
