import {
  ConflictException,
  Controller,
  HttpCode,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { RootOnly } from '../decorators/access.decorator.js';
import { CurrentUser, type AuthPrincipal } from '../decorators/current-user.decorator.js';
import { ApiErrors, ApiJson } from '../http/openapi.decorators.js';
import { PurgeResultBody } from '../http/admin.shapes.js';
import { PurgeService, type PurgeResult } from './purge.service.js';

/** `POST /admin/purge`: a root user runs the purge job now and gets its counts. */
@Controller('admin')
@RootOnly()
@ApiTags('admin')
export class PurgeController {
  constructor(private readonly purge: PurgeService) {}

  @Post('purge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the purge job now' })
  @ApiJson(200, 'What it deleted', PurgeResultBody)
  @ApiErrors({ 409: 'A purge is already running', 503: 'The database could not be reached' })
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
