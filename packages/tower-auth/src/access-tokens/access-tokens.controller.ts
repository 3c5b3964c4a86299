import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
} from '@nestjs/common';
import type { z } from 'zod';
import { CLOCK, type Clock } from '../common/clock.js';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Authenticated } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionOnly } from '../decorators/session-only.decorator.js';
import { ApiErrors, ApiJson } from '../http/openapi.decorators.js';
import { ApiOperation, ApiResponse, ApiTags } from '../http/openapi.metadata.js';
import { BodyShape, ParamShape } from '../http/shapes.js';
import { AccessTokenService } from './access-token.service.js';
import {
  AccessTokenCreate,
  AccessTokenCreated,
  AccessTokenList,
  noSuchToken,
  TokenId,
  type TokenRequest,
} from './access-token.shapes.js';

/** Far enough for any real use; a later date is a typo. */
const MAX_LIFETIME_S = 10 * 366 * 86400;

/**
 * Seqera's Tokens API: personal access tokens for Nextflow and tw, managed by their owner.
 * Session-only: a personal access token cannot list, mint or delete tokens.
 */
@Controller('tokens')
@Authenticated()
@SessionOnly()
@ApiTags('personal access tokens')
export class AccessTokensController {
  constructor(
    private readonly tokens: AccessTokenService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your personal access tokens, newest first' })
  @ApiJson(200, 'The tokens (never their keys)', AccessTokenList)
  async list(@CurrentUser() user: AuthPrincipal): Promise<z.input<typeof AccessTokenList>> {
    return { tokens: await this.tokens.list(user.userId) };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a personal access token',
    description:
      'The answer holds `accessKey`, the token itself: it is shown this once and never again (only a hash is kept). Use it as `TOWER_ACCESS_TOKEN`. Without `expiresAt` or `duration` it does not expire.',
  })
  @ApiJson(200, 'The new token and its key', AccessTokenCreated)
  @ApiErrors({
    400: 'A name that is not 1–50 letters, digits, `.`, `_` or `-`, or a bad expiry',
    409: 'You already have a token with this name (names compare case-insensitively)',
  })
  async create(
    @CurrentUser() user: AuthPrincipal,
    @BodyShape(AccessTokenCreate) body: TokenRequest,
    @Req() request: HttpRequest,
  ): Promise<z.input<typeof AccessTokenCreated>> {
    const input = { name: body.name, expiresAt: this.expiryOf(body) };
    return this.tokens.create(user.userId, input, requestInfo(request, this.config.trustProxy));
  }

  // Declared before `:tokenId`: Express matches routes in order.
  @Delete('delete-all')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete all your personal access tokens' })
  @ApiResponse({ status: 204, description: 'Deleted (also when there were none)' })
  async deleteAll(@CurrentUser() user: AuthPrincipal, @Req() request: HttpRequest): Promise<void> {
    await this.tokens.deleteAll(user.userId, requestInfo(request, this.config.trustProxy));
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete one of your personal access tokens',
    description: 'It stops working on every instance within a second.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrors({ 404: 'No such token of yours' })
  async delete(
    @CurrentUser() user: AuthPrincipal,
    @ParamShape('tokenId', TokenId, noSuchToken) tokenId: string,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const deleted = await this.tokens.delete(tokenId, user.userId, {
      userId: user.userId,
      ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
    });
    if (!deleted) throw new NotFoundException('No such token');
  }

  /** When the token stops working: never, at `expiresAt`, or after `duration`. */
  private expiryOf({ expiresAt, duration }: TokenRequest): Date | null {
    if (expiresAt !== undefined && duration !== undefined)
      throw new BadRequestException('Give expiresAt or duration, not both');
    const now = this.clock.now();
    const until = expiresAt ?? (duration === undefined ? null : now + duration * 1000);
    if (until !== null && (until <= now || until > now + MAX_LIFETIME_S * 1000))
      throw new BadRequestException('The expiry must be in the future and within ten years');
    return until === null ? null : new Date(until);
  }
}
