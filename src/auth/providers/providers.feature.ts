import type { Provider, Type } from '@nestjs/common';

/**
 * OAuth 2 / OpenID Connect logins (issue 5): the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const PROVIDER_LOGIN: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [],
  providers: [],
  exports: [],
};
