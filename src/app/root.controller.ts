import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, TOWER_CONFIG, type TowerConfig } from 'tower-auth';
import { ApiRedirect } from 'tower-auth/openapi';

/**
 * `GET /`: the service has no home page of its own, so a visitor lands on the login page.
 * Here in the service rather than in AuthModule: a host application owns its own `/`. Only
 * the bare root (not `/api`, Nextflow's base URL).
 */
@Controller()
@Public()
@ApiTags('pages')
export class RootController {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Redirects to the login page' })
  @ApiRedirect('To the login page', '`${serverUrl}/auth`')
  root(@Res() response: unknown): void {
    this.adapterHost.httpAdapter.redirect(response, 303, `${this.config.serverUrl}/auth`);
  }
}
