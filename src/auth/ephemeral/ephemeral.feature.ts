import type { Provider, Type } from '@nestjs/common';

/**
 * Ephemeral endpoints and the purge job (issue 6): the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const EPHEMERAL: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [],
  providers: [],
  exports: [],
};
