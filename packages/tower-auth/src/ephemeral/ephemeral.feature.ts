import type { Provider, Type } from '@nestjs/common';
import { EphemeralBodyParser } from './ephemeral-body.parser.js';
import { EphemeralController } from './ephemeral.controller.js';
import { EphemeralRepository } from './ephemeral.repository.js';
import { EphemeralService } from './ephemeral.service.js';

/**
 * Ephemeral endpoints: the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const EPHEMERAL: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [EphemeralController],
  providers: [EphemeralService, EphemeralRepository, EphemeralBodyParser],
  exports: [EphemeralService],
};
