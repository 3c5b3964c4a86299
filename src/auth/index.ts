/** The public surface of the auth module: nothing else is imported from outside src/auth. */
export { AuthModule, type AuthModuleOptions, type AuthModuleAsyncOptions } from './auth.module.js';
export { TowerConfigModule } from './config/tower-config.module.js';
export { loadTowerConfig, loadTowerConfigOrThrow } from './config/config.loader.js';
export {
  TOWER_CONFIG,
  ConfigValidationError,
  type TowerConfig,
  type AuthType,
  type ProviderId,
} from './config/tower-config.types.js';
export { Public, Authenticated, RootOnly } from './decorators/access.decorator.js';
export { SameOriginOnly, CrossSiteAllowed } from './decorators/same-origin.decorator.js';
export { CurrentUser, type AuthPrincipal } from './decorators/current-user.decorator.js';
export { TokenService, TokenError, type Role, type AccessClaims } from './tokens/token.service.js';
export { RefreshError, type IssuedTokens } from './sessions/session.service.js';
export { CLOCK, type Clock } from './common/clock.js';
export { AllowListService } from './allow-list/allow-list.service.js';
export { ProviderRegistry } from './providers/provider-registry.js';
export {
  ProviderError,
  type LoginProvider,
  type LoginFlow,
  type CallbackParams,
  type ProviderIdentity,
} from './providers/provider.js';
export {
  EphemeralService,
  EphemeralError,
  type EphemeralEndpoint,
  type EphemeralOptions,
} from './ephemeral/ephemeral.service.js';
