import { Controller, Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiResponse, ApiTags } from '../http/openapi.metadata.js';
import { Public } from '../decorators/access.decorator.js';
import { ApiContent, ApiErrors } from '../http/openapi.decorators.js';
import { pageAsset } from './page-assets.js';

/** A year: the URL changes with the content (`?v=<hash>`). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET /auth/assets/{file}`: the pages' scripts, from this server so the pages' CSP can be
 * `script-src 'self'` and nothing is fetched from another site. Cached for good under the
 * current version; any other `v` (or none) is revalidated with the ETag.
 */
@Controller('auth/assets')
@Public()
@ApiTags('pages')
export class PageAssetsController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Get(':file')
  @ApiOperation({ summary: 'A script of the login and admin pages (login-page.js, admin-page.js)' })
  @ApiContent(200, 'The script', ['text/javascript'])
  @ApiResponse({ status: 304, description: 'Not modified (`If-None-Match` names its ETag)' })
  @ApiErrors({ 404: 'No such file' })
  asset(
    @Param('file') file: string,
    @Query('v') version: unknown,
    @Req() request: { headers: Record<string, string | string[] | undefined> },
    @Res() response: unknown,
  ): void {
    const asset = pageAsset(file);
    if (!asset) throw new NotFoundException('No such file');
    const { httpAdapter } = this.adapterHost;
    const headers: Record<string, string> = {
      'Content-Type': asset.contentType,
      'Cache-Control': version === asset.version ? IMMUTABLE : 'no-cache',
      ETag: `"${asset.version}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    for (const [name, value] of Object.entries(headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    const fresh = request.headers['if-none-match'] === headers.ETag;
    httpAdapter.reply(response, fresh ? '' : asset.body, fresh ? 304 : 200);
  }
}
