import { Controller, Get, UnauthorizedException } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from './openapi.metadata.js';
import { Authenticated } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { UserRepository } from '../users/user.repository.js';
import { ApiJson } from './openapi.decorators.js';
import { UserInfoBody, UserInfoResponse } from './http.shapes.js';

export type UserInfo = z.input<typeof UserInfoBody>;

export function toUserInfo(user: UserEntity): UserInfo {
  return {
    id: Number(user.id),
    userName: user.userName,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    avatar: user.avatar,
    lastAccess: user.lastAccess?.toISOString() ?? null,
    dateCreated: user.dateCreated.toISOString(),
    lastUpdated: user.lastUpdated.toISOString(),
  };
}

/** Seqera Platform's `/user-info` shape, which Nextflow and tw read. */
@Controller('user-info')
@ApiTags('sessions')
export class UserInfoController {
  constructor(private readonly users: UserRepository) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiJson(200, 'The user of the credential', UserInfoResponse)
  async userInfo(
    @CurrentUser() principal: AuthPrincipal,
  ): Promise<z.input<typeof UserInfoResponse>> {
    const user = await this.users.findById(principal.userId);
    if (!user || user.status !== 'active')
      throw new UnauthorizedException('Unknown or disabled user');
    return { user: toUserInfo(user), needConsent: false };
  }
}
