import { AccessTokenService } from '../../packages/tower-auth/src/access-tokens/access-token.service.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ForbiddenException,
  UnauthorizedException,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { Public, RootOnly } from '../../packages/tower-auth/src/decorators/access.decorator.js';
import {
  CurrentUser,
  principalOf,
} from '../../packages/tower-auth/src/decorators/current-user.decorator.js';
import type { ContextCredentialExtractor } from '../../packages/tower-auth/src/guards/context-credential.js';
import { SessionGuard } from '../../packages/tower-auth/src/guards/session.guard.js';
import { RevocationService } from '../../packages/tower-auth/src/sessions/revocation.service.js';
import { TokenService } from '../../packages/tower-auth/src/tokens/token.service.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startSessionApp, type SessionApp } from '../harness/session-app.js';

/** A GraphQL resolver, as Nest hands it to guards: its class and its handlers. */
class PipelinesResolver {
  list(): void {}
  @Public() status(): void {}
  @RootOnly() purge(): void {}
}

type GqlArgs = [root: unknown, args: unknown, context: { req: object }, info: unknown];

function gqlCall(handler: keyof PipelinesResolver, req: object): ExecutionContext {
  const args: GqlArgs = [{}, {}, { req }, {}];
  return {
    getType: () => 'graphql',
    getClass: () => PipelinesResolver as Type,
    getHandler: () => PipelinesResolver.prototype[handler],
    getArgs: () => args,
    getArgByIndex: (i: number) => args[i],
    switchToHttp: () => {
      throw new Error('not an HTTP call');
    },
    switchToRpc: () => {
      throw new Error('not an RPC call');
    },
    switchToWs: () => {
      throw new Error('not a WebSocket call');
    },
  } as unknown as ExecutionContext;
}

/** What `@CurrentUser()` gives a handler called with this context. */
function currentUser(context: ExecutionContext): unknown {
  class Probe {
    handle(@CurrentUser() _user: unknown): void {}
  }
  const meta = Reflect.getMetadata(ROUTE_ARGS_METADATA, Probe, 'handle') as Record<
    string,
    { factory: (data: unknown, ctx: ExecutionContext) => unknown }
  >;
  return Object.values(meta)[0].factory(undefined, context);
}

/**
 * GraphQL, WebSocket and RPC calls have no HTTP request: the global guard must not wave them
 * through. Without an extractor they are refused unless @Public(); with one, they are checked
 * like HTTP requests and @CurrentUser() finds the principal.
 */
describe('the guard on calls that are not HTTP', () => {
  let db: TestDatabase;
  let t: SessionApp;
  let guardWith: (extractor?: ContextCredentialExtractor) => SessionGuard;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startSessionApp('fastify', { DATABASE_URL: db.url, TOWER_ROOT_USERS: '1' });
    guardWith = (extractor) =>
      new SessionGuard(
        t.app.get(Reflector),
        t.app.get(TokenService, { strict: false }),
        t.app.get(RevocationService, { strict: false }),
        t.app.get(AccessTokenService, { strict: false }),
        t.config,
        extractor ?? null,
      );
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const fromReq: ContextCredentialExtractor = (context) => {
    const req = context.getArgs<GqlArgs>()[2].req as { headers: Record<string, string> };
    return { holder: req, headers: req.headers };
  };

  it('refuses them without an extractor, unless the handler is @Public()', async () => {
    const { tokens } = await t.login();
    const req = { headers: { authorization: `Bearer ${tokens.accessToken}` } };
    const guard = guardWith();
    expect(() => guard.canActivate(gqlCall('list', req))).toThrow(UnauthorizedException);
    expect(guard.canActivate(gqlCall('status', {}))).toBe(true);
  });

  it('with an extractor, checks the credential and attaches the principal', async () => {
    const { user, tokens } = await t.login({ email: 'gql@example.com' });
    const req = { headers: { authorization: `Bearer ${tokens.accessToken}` } };
    const guard = guardWith(fromReq);
    const context = gqlCall('list', req);
    expect(guard.canActivate(context)).toBe(true);
    expect(principalOf(req)).toMatchObject({ userId: user.id, email: 'gql@example.com' });
    expect(currentUser(context)).toMatchObject({ userId: user.id, credential: 'session' });

    expect(() => guard.canActivate(gqlCall('list', { headers: {} }))).toThrow(
      UnauthorizedException,
    );
    const forged = { headers: { authorization: `Bearer ${tokens.accessToken}x` } };
    expect(() => guard.canActivate(gqlCall('list', forged))).toThrow(UnauthorizedException);
  });

  it('keeps @RootOnly() for root users, and refuses a revoked session', async () => {
    const { tokens } = await t.login();
    const req = { headers: { authorization: `Bearer ${tokens.accessToken}` } };
    const guard = guardWith(fromReq);
    expect(() => guard.canActivate(gqlCall('purge', req))).toThrow(ForbiddenException);
    await t.sessions.revoke(tokens.sessionId, 'test');
    expect(() => guard.canActivate(gqlCall('list', req))).toThrow(UnauthorizedException);
  });

  it('refuses when the extractor finds no credential', () => {
    const guard = guardWith(() => null);
    expect(() => guard.canActivate(gqlCall('list', { headers: {} }))).toThrow(
      UnauthorizedException,
    );
  });
});
