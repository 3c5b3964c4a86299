import { Controller, Delete, Get, HttpCode, Inject, NotFoundException, Req } from '@nestjs/common';
import type { z } from 'zod';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionOnly } from '../decorators/session-only.decorator.js';
import { ApiErrors, ApiJson } from '../http/openapi.decorators.js';
import { userId } from '../http/fields.js';
import { ApiOperation, ApiResponse, ApiTags } from '../http/openapi.metadata.js';
import { UserRepository } from '../users/user.repository.js';
import { ParamShape } from '../http/shapes.js';
import { AccessTokenService } from './access-token.service.js';
import { AccessTokenList, noSuchToken, TokenId } from './access-token.shapes.js';
import type { HttpRequest } from '../common/http-request.js';

/** Root users see and revoke anyone's personal access tokens (with a browser session). */
@Controller('admin')
@RootOnly()
@SessionOnly()
@ApiTags('admin')
export class AdminTokensController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly users: UserRepository,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get('users/:id/tokens')
  @ApiOperation({ summary: "A user's personal access tokens, newest first" })
  @ApiJson(200, 'The tokens (never their keys)', AccessTokenList)
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async list(@ParamShape('id', userId) id: string): Promise<z.input<typeof AccessTokenList>> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('No such user');
    return { tokens: await this.tokens.list(user.id) };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: "Revoke anyone's personal access token",
    description: 'It stops working on every instance within a second.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrors({ 404: 'No such token' })
  async revoke(
    @CurrentUser() admin: AuthPrincipal,
    @ParamShape('id', TokenId, noSuchToken) id: string,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const deleted = await this.tokens.delete(id, null, {
      userId: admin.userId,
      ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
    });
    if (!deleted) throw new NotFoundException('No such token');
  }
}
