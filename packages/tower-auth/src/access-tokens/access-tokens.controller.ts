import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { requestInfo } from '../common/request-info.js';
import { DurationError, parsePositiveDuration } from '../config/duration.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Authenticated } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { SessionOnly } from '../decorators/session-only.decorator.js';
import type { HttpRequest } from '../common/http-request.js';
import { ApiErrors, ApiFormOrJson, ApiJson } from '../http/openapi.decorators.js';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '../http/openapi.metadata.js';
import { API_TAGS } from '../http/openapi.schemas.js';
import {
  AccessTokenService,
  type AccessTokenInfo,
  type CreatedAccessToken,
} from './access-token.service.js';
import { BIGINT_ID } from '../common/ids.js';

/** Letters, digits, `.`, `_` and `-`: a name that reads well in a shell and in a list. */
export const TOKEN_NAME = /^[A-Za-z0-9._-]{1,50}$/;
export const TOKEN_ID = BIGINT_ID;
/** Far enough for any real use; a later date is a typo. */
const MAX_LIFETIME_S = 10 * 366 * 86400;

/** The id of a token route, or 404: an id that cannot exist is as unknown as another's. */
export function tokenIdOf(raw: string): string {
  if (!TOKEN_ID.test(raw)) throw new NotFoundException('No such token');
  return raw;
}

/**
 * Seqera's Tokens API: personal access tokens for Nextflow and tw, managed by their owner.
 * Session-only: a personal access token cannot list, mint or delete tokens.
 */
@Controller('tokens')
@Authenticated()
@SessionOnly()
@ApiTags(API_TAGS.tokens)
export class AccessTokensController {
  constructor(
    private readonly tokens: AccessTokenService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your personal access tokens, newest first' })
  @ApiJson(200, 'The tokens (never their keys)', 'AccessTokenList')
  async list(@CurrentUser() user: AuthPrincipal): Promise<{ tokens: AccessTokenInfo[] }> {
    return { tokens: await this.tokens.list(user.userId) };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a personal access token',
    description:
      'The answer holds `accessKey`, the token itself: it is shown this once and never again (only a hash is kept). Use it as `TOWER_ACCESS_TOKEN`. Without `expiresAt` or `duration` it does not expire.',
  })
  @ApiFormOrJson('AccessTokenCreate')
  @ApiJson(200, 'The new token and its key', 'AccessTokenCreated')
  @ApiErrors({
    400: 'A name that is not 1–50 letters, digits, `.`, `_` or `-`, or a bad expiry',
    409: 'You already have a token with this name (names compare case-insensitively)',
  })
  async create(
    @CurrentUser() user: AuthPrincipal,
    @Body() body: unknown,
    @Req() request: HttpRequest,
  ): Promise<CreatedAccessToken> {
    const input = this.readCreate(body);
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
  @ApiParam({ name: 'tokenId', schema: { type: 'string', pattern: TOKEN_ID.source } })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrors({ 404: 'No such token of yours' })
  async delete(
    @CurrentUser() user: AuthPrincipal,
    @Param('tokenId') tokenId: string,
    @Req() request: HttpRequest,
  ): Promise<void> {
    const deleted = await this.tokens.delete(tokenIdOf(tokenId), user.userId, {
      userId: user.userId,
      ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
    });
    if (!deleted) throw new NotFoundException('No such token');
  }

  private readCreate(body: unknown): { name: string; expiresAt: Date | null } {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new BadRequestException('The body must be a JSON object or a form');
    const fields = body as Record<string, unknown>;
    const name = fields.name;
    if (typeof name !== 'string' || !TOKEN_NAME.test(name))
      throw new BadRequestException(
        'name must be 1 to 50 letters, digits, dots, underscores or hyphens',
      );
    const now = this.clock.now();
    const { expiresAt, duration } = fields;
    const given = (value: unknown): boolean =>
      value !== undefined && value !== null && value !== '';
    if (given(expiresAt) && given(duration))
      throw new BadRequestException('Give expiresAt or duration, not both');
    let until: number | null = null;
    if (given(expiresAt)) {
      const parsed = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
      if (!Number.isFinite(parsed) || !/^\d{4}-\d\d-\d\d/.test(expiresAt as string))
        throw new BadRequestException('expiresAt must be an ISO 8601 date-time');
      until = parsed;
    } else if (given(duration)) {
      try {
        if (typeof duration !== 'string' && typeof duration !== 'number') throw new Error();
        until = now + parsePositiveDuration(duration) * 1000;
      } catch (error) {
        const reason = error instanceof DurationError ? error.reason : 'is not a duration';
        throw new BadRequestException(`duration ${reason}`);
      }
    }
    if (until !== null && (until <= now || until > now + MAX_LIFETIME_S * 1000))
      throw new BadRequestException('The expiry must be in the future and within ten years');
    return { name, expiresAt: until === null ? null : new Date(until) };
  }
}
