import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { TOWER_CONFIG, type ProviderId, type TowerConfig } from '../config/tower-config.types.js';
import { GithubLogin } from './github-login.provider.js';
import { GoogleLogin } from './google-login.provider.js';
import { OidcLogin } from './oidc-login.provider.js';
import type { LoginProvider } from './provider.js';

/** Display order of the login buttons and of `authTypes`. */
const ORDER: readonly ProviderId[] = ['github', 'google', 'oidc'];

/**
 * The OAuth / OpenID Connect login providers, built from the configuration at boot. The routes
 * and `/service-info` ask it which providers are on; a disabled or unknown one does not exist.
 */
@Injectable()
export class ProviderRegistry {
  private readonly providers = new Map<ProviderId, LoginProvider>();

  constructor(@Inject(TOWER_CONFIG) config: TowerConfig, @Inject(CLOCK) clock: Clock) {
    for (const provider of [
      new GithubLogin(config),
      new GoogleLogin(config, clock),
      OidcLogin.fromConfig(config, clock),
    ]) {
      this.providers.set(provider.id, provider);
    }
  }

  /** The enabled provider with this id, or null (unknown ids included). */
  get(id: string): LoginProvider | null {
    const provider = this.providers.get(id as ProviderId);
    return provider?.enabled ? provider : null;
  }

  /** Ids of the enabled providers, in display order. */
  enabledIds(): ProviderId[] {
    return ORDER.filter((id) => this.providers.get(id)?.enabled);
  }

  /**
   * Replaces the provider with the same id. For tests (Google pointed at a local OpenID
   * provider) and host applications that build a provider differently.
   */
  override(provider: LoginProvider): void {
    this.providers.set(provider.id, provider);
  }
}
