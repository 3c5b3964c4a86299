import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Req,
} from '@nestjs/common';
import { Inject } from '@nestjs/common';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionOnly } from '../decorators/session-only.decorator.js';
import { ApiErrors, ApiJson } from '../http/openapi.decorators.js';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '../http/openapi.metadata.js';
import { API_TAGS } from '../http/openapi.schemas.js';
import { UserRepository } from '../users/user.repository.js';
import { AccessTokenService, type AccessTokenInfo } from './access-token.service.js';
import { TOKEN_ID, tokenIdOf } from './access-tokens.controller.js';
import { BIGINT_ID } from '../common/ids.js';

/** Root users see and revoke anyone's personal access tokens (with a browser session). */
@Controller('admin')
@RootOnly()
@SessionOnly()
@ApiTags(API_TAGS.admin)
export class AdminTokensController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly users: UserRepository,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get('users/:id/tokens')
  @ApiOperation({ summary: "A user's personal access tokens, newest first" })
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: BIGINT_ID.source } })
  @ApiJson(200, 'The tokens (never their keys)', 'AccessTokenList')
  @ApiErrors({ 400: 'The id is not a user id', 404: 'No such user' })
  async list(@Param('id') id: string): Promise<{ tokens: AccessTokenInfo[] }> {
    if (!BIGINT_ID.test(id)) throw new BadRequestException('A user id is a positive integer');
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
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: TOKEN_ID.source } })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrors({ 404: 'No such token' })
  async revoke(
    @CurrentUser() admin: AuthPrincipal,
    @Param('id') id: string,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const deleted = await this.tokens.delete(tokenIdOf(id), null, {
      userId: admin.userId,
      ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
    });
    if (!deleted) throw new NotFoundException('No such token');
  }
}
