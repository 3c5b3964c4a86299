import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Role } from '../tokens/token.service.js';

/** Who made the request, as the guard established it from the access token. */
export interface AuthPrincipal {
  readonly userId: string;
  readonly sessionId: string;
  readonly roles: readonly Role[];
  readonly isRoot: boolean;
  /** How the credential came: a cookie-authenticated request is subject to the Origin check. */
  readonly via: 'bearer' | 'cookie';
}

export const PRINCIPAL = Symbol('tower:principal');

export function principalOf(request: unknown): AuthPrincipal | undefined {
  return (request as { [PRINCIPAL]?: AuthPrincipal })[PRINCIPAL];
}

export function attachPrincipal(request: unknown, principal: AuthPrincipal): void {
  (request as { [PRINCIPAL]?: AuthPrincipal })[PRINCIPAL] = principal;
}

/** Injects the AuthPrincipal; on a public route without one, 401. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthPrincipal => {
    const principal = principalOf(context.switchToHttp().getRequest());
    if (!principal) throw new UnauthorizedException('Authentication required');
    return principal;
  },
);
