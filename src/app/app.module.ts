import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module.js';
import { TowerConfigModule } from '../auth/config/tower-config.module.js';
import type { TowerConfig } from '../auth/config/tower-config.types.js';
import { DatabaseModule } from '../database/database.module.js';
import { DemoModule } from '../demo/demo.module.js';
import type { Clock } from '../auth/common/clock.js';
import { HealthController } from './health.controller.js';
import { RootController } from './root.controller.js';
import { OpenApiModule } from './openapi/openapi.module.js';

/** The runnable service: the auth module on its database, plus health. */
@Module({})
export class AppModule {
  static forRoot(config: TowerConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TowerConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(),
        AuthModule.forRoot({ clock: options.clock }),
        DemoModule,
        OpenApiModule,
      ],
      controllers: [HealthController, RootController],
    };
  }
}
