import { Controller, Get, Inject } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from './openapi.metadata.js';
import { TOWER_CONFIG, type AuthType, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { VERSION } from '../version.js';
import { ApiJson } from './openapi.decorators.js';
import { ServiceInfoBody } from './http.shapes.js';

/** `loginPath`: clients, the login page among them, go to `${serverUrl}${loginPath}`. */
export type ServiceInfo = z.input<typeof ServiceInfoBody>['serviceInfo'];

/** What a client needs before signing in; computed once, the configuration is frozen. */
@Controller('service-info')
@ApiTags('service')
export class ServiceInfoController {
  private readonly body: z.input<typeof ServiceInfoBody>;

  constructor(@Inject(TOWER_CONFIG) config: TowerConfig, registry: ProviderRegistry) {
    this.body = { serviceInfo: describeService(config, registry.enabledIds()) };
  }

  @Get()
  @Public()
  @ApiOperation({
    summary: 'What a client needs before signing in',
    description: 'The version, the login methods that are on and where a login starts.',
  })
  @ApiJson(200, 'The service description', ServiceInfoBody)
  serviceInfo(): z.input<typeof ServiceInfoBody> {
    return this.body;
  }
}

/** `providers`: the enabled login providers, as the ProviderRegistry built them. */
export function describeService(
  config: TowerConfig,
  providers: readonly AuthType[] = config.authTypes.filter((type) => type !== 'email'),
): ServiceInfo {
  const authTypes: AuthType[] = [
    ...(config.auth.emailEnabled ? ['email' as const] : []),
    ...providers,
  ];
  const oidcOnly = authTypes.length === 1 && authTypes[0] === 'oidc';
  return {
    version: VERSION,
    appName: config.appName,
    serverUrl: config.serverUrl,
    authTypes,
    loginPath: oidcOnly ? '/oauth/login/oidc' : '/auth',
    heartbeatInterval: config.auth.heartbeatInterval,
    logoutUrl: `${config.serverUrl}/logout`,
    contactEmail: config.contactEmail,
    oidcLabel: config.auth.oidc.enabled ? config.auth.oidc.label : null,
  };
}
