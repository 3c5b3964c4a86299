import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public, RootOnly, type AuthPrincipal } from 'tower-auth';

const STRING = { type: 'string' };
const ROLES = { type: 'array', items: { type: 'string', enum: ['user', 'root'] } };

function object(properties: Record<string, object>): object {
  return { type: 'object', properties, required: Object.keys(properties) };
}

/**
 * A module of a host application protecting its routes with the auth module's decorators; it
 * imports nothing but the `tower-auth` package. Not part of the service: the tests and the
 * benchmarks add it (see demo.module.ts) to exercise public, signed-in and root-only host routes.
 */
@Controller('demo')
@ApiTags('demo')
export class DemoController {
  @Get('public')
  @Public()
  @ApiOperation({ summary: 'A public route of another module' })
  @ApiOkResponse({
    description: 'Anyone',
    content: { 'application/json': { schema: object({ hello: { type: 'string' } }) } },
  })
  hello(): { hello: string } {
    return { hello: 'world' };
  }

  @Get('ping')
  @Authenticated()
  @ApiOperation({ summary: 'The same handler as /demo/public, for signed-in users only' })
  @ApiOkResponse({
    description: 'A signed-in user',
    content: { 'application/json': { schema: object({ hello: { type: 'string' } }) } },
  })
  ping(): { hello: string } {
    return { hello: 'world' };
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'A route of another module for signed-in users' })
  @ApiOkResponse({
    description: 'The principal the guard attached',
    content: { 'application/json': { schema: object({ userId: STRING, roles: ROLES }) } },
  })
  me(@CurrentUser() user: AuthPrincipal): { userId: string; roles: readonly string[] } {
    return { userId: user.userId, roles: user.roles };
  }

  @Get('root')
  @RootOnly()
  @ApiOperation({ summary: 'A route of another module for root users' })
  @ApiOkResponse({
    description: 'A root user',
    content: {
      'application/json': {
        schema: object({ root: { type: 'boolean', enum: [true] }, userId: STRING }),
      },
    },
  })
  root(@CurrentUser() user: AuthPrincipal): { root: true; userId: string } {
    return { root: true, userId: user.userId };
  }
}
