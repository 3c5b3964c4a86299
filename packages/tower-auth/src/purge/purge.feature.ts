import type { Provider, Type } from '@nestjs/common';
import { PurgeController } from './purge.controller.js';
import { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';

/**
 * The purge job: what AuthModule registers for it. The schedule runs on every
 * instance; the advisory lock lets one of them purge at a time.
 */
export const PURGE: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [PurgeController],
  providers: [PurgeService, PurgeRepository],
  exports: [],
};
