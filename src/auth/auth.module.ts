import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { ServiceInfoController } from './http/service-info.controller.js';

/**
 * The login stack for a host Nest application. It expects the configuration
 * (TowerConfigModule) and a DataSource (DatabaseModule) to be provided globally.
 */
@Module({})
export class AuthModule {
  static forRoot(): DynamicModule {
    return {
      module: AuthModule,
      controllers: [ServiceInfoController],
      providers: [{ provide: APP_FILTER, useClass: JsonExceptionFilter }],
    };
  }
}
