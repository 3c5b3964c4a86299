import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AllowListService } from '../allow-list/allow-list.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthError, isLoginError, type LoginErrorCode } from '../common/auth-error.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type ProviderId, type TowerConfig } from '../config/tower-config.types.js';
import type { HttpRequest } from '../common/http-request.js';
import { AccountService } from '../users/account.service.js';
import { maskEmail } from '../users/email.js';
import type { UserEntity } from '../users/user.entity.js';
import { FlowCookies } from './login-flow.js';
import { describeProviderError } from './oauth-client.js';
import type { CallbackParams, LoginFlow, LoginProvider, ProviderIdentity } from './provider.js';

/** A login that ends on `/auth?success=false&error=<code>`; its message is for the audit log. */
type LoginFailure = AuthError<LoginErrorCode>;

/**
 * The policy of an OAuth / OIDC login, between the routes and the providers: the flow must be
 * this browser's and this provider's, the provider's answer must check out, the e-mail must be
 * verified and admitted by the provider's allow list (at every login), and the identity then
 * links to or creates the user. Every refusal is audited with its real reason.
 */
@Injectable()
export class ProviderLoginService {
  constructor(
    private readonly flows: FlowCookies,
    private readonly allowList: AllowListService,
    private readonly accounts: AccountService,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  /** The provider URL to send the browser to, and the flow cookies to set. */
  async start(
    provider: LoginProvider,
    next: string | null,
    request: HttpRequest,
  ): Promise<{ location: string; cookies: string[] }> {
    const flow = this.flows.create(provider.id, next);
    try {
      const url = await provider.authorizationUrl(flow);
      return { location: url.href, cookies: this.flows.seal(flow) };
    } catch (error) {
      throw this.failed(provider.id, request, asFailure(error, 'login start'));
    }
  }

  /** The user the callback signs in; throws a login AuthError (already audited). */
  async finish(
    provider: LoginProvider,
    params: CallbackParams,
    request: HttpRequest,
  ): Promise<{ user: UserEntity; next: string | null; endSessionHint: string | null }> {
    try {
      const flow = this.checkFlow(provider.id, params, request);
      const identity = await provider.finish(params, flow).catch((error: unknown) => {
        throw asFailure(error, 'callback');
      });
      const user = await this.signIn(provider.id, identity);
      return { user, next: flow.next, endSessionHint: identity.endSessionHint ?? null };
    } catch (error) {
      throw this.failed(provider.id, request, asFailure(error, 'callback'));
    }
  }

  private checkFlow(id: ProviderId, params: CallbackParams, request: HttpRequest): LoginFlow {
    const flow = this.flows.open(request.headers.cookie);
    if (!flow)
      throw new AuthError('invalid_state', 'no valid flow cookie (absent, expired or altered)');
    if (flow.provider !== id) {
      throw new AuthError('invalid_state', `the flow was started for ${flow.provider}`);
    }
    if (!params.state) throw new AuthError('invalid_state', 'the callback has no state');
    if (!sameText(params.state, flow.state)) {
      throw new AuthError('invalid_state', 'the state does not match the flow');
    }
    if (params.error !== undefined) {
      const code = params.error === 'access_denied' ? 'access_denied' : 'provider_error';
      throw new AuthError(code, `the provider answered error=${params.error.slice(0, 100)}`, {
        description: params.error_description?.slice(0, 300) ?? null,
      });
    }
    if (!params.code) throw new AuthError('provider_error', 'the callback has no code');
    return flow;
  }

  private async signIn(id: ProviderId, identity: ProviderIdentity): Promise<UserEntity> {
    const who = {
      issuer: identity.issuer,
      subject: identity.subject,
      email: identity.email ? maskEmail(identity.email) : null,
    };
    this.admit(id, identity, who);
    try {
      return await this.accounts.signIn({
        provider: id,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        emailVerified: identity.emailVerified,
        unverifiedEmailAdmitted: identity.unverifiedEmailAdmitted === true,
        userName: identity.userName,
        firstName: identity.firstName,
        lastName: identity.lastName,
        avatar: identity.avatar,
      });
    } catch (error) {
      if (isLoginError(error)) throw new AuthError(error.code, error.message, who);
      throw error;
    }
  }

  /** Refuses an identity without a usable e-mail, or one the provider's allow list refuses. */
  private admit(id: ProviderId, identity: ProviderIdentity, who: Record<string, unknown>): void {
    const admitted = identity.emailVerified || identity.unverifiedEmailAdmitted === true;
    if (!identity.email || !admitted) {
      throw new AuthError(
        'email_unverified',
        identity.email ? 'the provider did not verify the e-mail' : 'no usable e-mail',
        who,
      );
    }
    if (!this.allowList.admits(id, identity.verifiedEmails)) {
      throw new AuthError(
        'not_allowed',
        identity.emailVerified
          ? 'the allow list refuses every verified e-mail'
          : 'the allow list admits verified e-mails only, and the provider did not mark this one verified (see trust-unverified-email)',
        who,
      );
    }
  }

  private failed(provider: ProviderId, request: HttpRequest, failure: LoginFailure): LoginFailure {
    this.audit.record({
      type: 'login_failure',
      provider,
      ipAddress: requestInfo(request, this.config.trustProxy).ipAddress,
      detail: { code: failure.code, reason: failure.message, ...failure.detail },
    });
    return failure;
  }
}

function asFailure(error: unknown, stage: string): LoginFailure {
  if (isLoginError(error)) return error;
  return new AuthError('provider_error', `${stage}: ${describeProviderError(error)}`);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
