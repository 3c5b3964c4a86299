import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Role } from '../tokens/token.service.js';

interface PrincipalBase {
  readonly userId: string;
  /** The user's e-mail (when the credential was issued); null in tokens of older versions. */
  readonly email: string | null;
  readonly roles: readonly Role[];
  readonly isRoot: boolean;
  /** How the credential came: a cookie-authenticated request is subject to the Origin check. */
  readonly via: 'bearer' | 'cookie';
}

/** Signed in with a browser login (or a job launch): the access JWT of a session. */
export interface SessionPrincipal extends PrincipalBase {
  readonly credential: 'session';
  readonly sessionId: string;
  readonly tokenId: null;
}

/**
 * A personal access token (Nextflow, tw): no session stands behind it, so `sessionId` is null
 * and `tokenId` names the token (`DELETE /tokens/{tokenId}` ends it). Always a header (`via`
 * is `bearer` for `Authorization: Bearer` and for HTTP Basic with the user `@token`).
 */
export interface TokenPrincipal extends PrincipalBase {
  readonly credential: 'token';
  readonly sessionId: null;
  readonly tokenId: string;
}

/** Who made the request, as the guard established it; `credential` says which kind. */
export type AuthPrincipal = SessionPrincipal | TokenPrincipal;

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
