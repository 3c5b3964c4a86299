import {
  ConflictException,
  Controller,
  HttpCode,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { routes } from '../http/routes.js';
import { PurgeService, type PurgeResult } from './purge.service.js';

/** `POST /admin/purge`: a root user runs the purge job now and gets its counts. */
@Controller(routes('admin'))
@RootOnly()
export class PurgeController {
  constructor(private readonly purge: PurgeService) {}

  @Post('purge')
  @HttpCode(200)
  async purgeNow(@CurrentUser() user: AuthPrincipal): Promise<PurgeResult> {
    let result: PurgeResult;
    try {
      result = await this.purge.runOnce({ by: 'admin', userId: user.userId });
    } catch {
      throw new ServiceUnavailableException('The purge could not reach the database');
    }
    if (!result.ran) throw new ConflictException('A purge is already running');
    return result;
  }
}
