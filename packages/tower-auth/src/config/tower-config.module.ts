import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TOWER_CONFIG, type TowerConfig } from './tower-config.types.js';

/** Provides the frozen configuration, loaded once before Nest starts, to every module. */
@Global()
@Module({})
export class TowerConfigModule {
  static forRoot(config: TowerConfig): DynamicModule {
    return {
      module: TowerConfigModule,
      providers: [{ provide: TOWER_CONFIG, useValue: config }],
      exports: [TOWER_CONFIG],
    };
  }
}
