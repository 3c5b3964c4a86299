import type { ExecutionContext } from '@nestjs/common';

/**
 * Where the credential of a call that is not plain HTTP (GraphQL, WebSocket, RPC) sits: the
 * headers to read it from, as an HTTP request carries them (`authorization`, `cookie`), and the
 * object the principal is attached to, which `@CurrentUser()` then finds among the handler's
 * arguments (or their `req`).
 */
export interface ContextCredential {
  readonly holder: object;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * Plugged in by a host that serves such calls (`AuthModule.forRoot({ contextCredential })`).
 * Without it, or when it returns nothing, every such call that is not `@Public()` is refused.
 */
export type ContextCredentialExtractor = (
  context: ExecutionContext,
) => ContextCredential | null | undefined;

export const CONTEXT_CREDENTIAL = Symbol('tower:context-credential');
