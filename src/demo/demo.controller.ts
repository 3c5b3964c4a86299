import { Controller, Get } from '@nestjs/common';
import { Authenticated, CurrentUser, Public, RootOnly, type AuthPrincipal } from '../auth/index.js';

/**
 * Another module of the host platform protecting its routes with the auth module's
 * decorators; it imports nothing but `src/auth/index.ts`.
 */
@Controller('demo')
export class DemoController {
  @Get('public')
  @Public()
  hello(): { hello: string } {
    return { hello: 'world' };
  }

  @Get('me')
  @Authenticated()
  me(@CurrentUser() user: AuthPrincipal): { userId: string; roles: readonly string[] } {
    return { userId: user.userId, roles: user.roles };
  }

  @Get('root')
  @RootOnly()
  root(@CurrentUser() user: AuthPrincipal): { root: true; userId: string } {
    return { root: true, userId: user.userId };
  }
}
