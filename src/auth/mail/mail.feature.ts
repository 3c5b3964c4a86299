import type { Provider, Type } from '@nestjs/common';

/**
 * E-mail (magic link) login, its outbox and rate limits (issue 4): the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const MAIL_LOGIN: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [],
  providers: [],
  exports: [],
};
