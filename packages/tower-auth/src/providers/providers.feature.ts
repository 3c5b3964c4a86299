import type { Provider, Type } from '@nestjs/common';
import { FlowCookies } from './login-flow.js';
import { LogoutHintCookie } from './logout-hint.js';
import { OAuthLoginController } from './oauth-login.controller.js';
import { OidcLogoutController } from './oidc-logout.controller.js';
import { ProviderLoginService } from './provider-login.service.js';
import { ProviderRegistry } from './provider-registry.js';

/**
 * OAuth 2 / OpenID Connect logins: the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const PROVIDER_LOGIN: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [OAuthLoginController, OidcLogoutController],
  providers: [ProviderRegistry, ProviderLoginService, FlowCookies, LogoutHintCookie],
  exports: [ProviderRegistry],
};
