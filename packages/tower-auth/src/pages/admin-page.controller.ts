import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { ApiContent } from '../http/openapi.decorators.js';
import { adminPage } from './admin-page.templates.js';
import { scriptRef } from './page-assets.js';
import { pagePolicy, sendPage, styleNonce } from './page-response.js';

/**
 * `GET /auth/admin`: the admin view's page. Public because it holds no data: its script asks
 * the root-only admin routes, which decide who sees anything.
 */
@Controller('auth/admin')
@Public()
@ApiTags('pages')
export class AdminPageController {
  private readonly origin: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {
    this.origin = new URL(config.serverUrl).origin;
  }

  @Get()
  @ApiOperation({
    summary: 'The admin view (users, session revocation, audit events) for root users',
  })
  @ApiContent(200, 'The page; its data comes from the /admin routes', ['text/html'])
  page(@Res() response: unknown): void {
    const nonce = styleNonce();
    const html = adminPage(
      { appName: this.config.appName, nonce, base: this.config.serverPath },
      {
        accountHref: `${this.config.serverUrl}/auth`,
        script: scriptRef('admin-page.js', this.config.serverPath),
      },
    );
    sendPage(this.adapterHost.httpAdapter, response, html, pagePolicy(nonce, this.origin, true));
  }
}
