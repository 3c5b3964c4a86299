import {
  applyDecorators,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { CrossSiteAllowed } from '../decorators/same-origin.decorator.js';
import { noStore, setCookies } from '../http/http-response.js';
import { LoginResponder, safeReturnPath } from '../http/login-response.js';
import {
  ApiErrors,
  ApiJson,
  ApiRedirect,
  SESSION_COOKIES_SET,
} from '../http/openapi.decorators.js';
import { LoginFailureBody, TokenResponseBody } from '../http/http.shapes.js';
import { BodyShape, ParamShape, QueryShape } from '../http/shapes.js';
import { FLOW_COOKIE, FlowCookies, HOST_PREFIX } from './login-flow.js';
import { LogoutHintCookie } from './logout-hint.js';
import { ProviderRegistry } from './provider-registry.js';
import { ProviderLoginService } from './provider-login.service.js';
import type { CallbackParams, LoginProvider } from './provider.js';
import { LoginQuery, noSuchProvider, ProviderCallback, ProviderParam } from './provider.shapes.js';
import type { HttpRequest } from '../common/http-request.js';

const ApiNoProvider = (): MethodDecorator =>
  ApiErrors({ 404: 'No such provider, or it is not configured' });

/** How a callback ends (LoginResponder). */
function ApiLoginOutcome(): MethodDecorator {
  return applyDecorators(
    ApiNoProvider(),
    ApiRedirect(
      'A browser: signed in (with the session cookies), or refused with a code: access_denied, not_allowed, email_unverified, invalid_state, provider_error. The flow cookie is cleared either way.',
      '`${serverUrl}/auth?success=true[&next=...]` or `${serverUrl}/auth?success=false&error=<code>`',
      SESSION_COOKIES_SET,
    ),
    ApiJson(200, 'A JSON client (`Accept: application/json`), signed in', TokenResponseBody),
    ApiJson(401, 'A JSON client, refused', LoginFailureBody),
  );
}

/**
 * `GET /oauth/login/{provider}` starts a login (flow cookie, redirect to the provider);
 * `GET` and form `POST /oauth/callback/{provider}` finish it with `303 /auth?success=...`. The
 * callback clears the flow cookie whatever the outcome. Public: any credential is ignored.
 */
@Controller('oauth')
@Public()
@ApiTags('provider login')
export class OAuthLoginController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly logins: ProviderLoginService,
    private readonly flows: FlowCookies,
    private readonly logoutHints: LogoutHintCookie,
    private readonly responder: LoginResponder,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Get('login/:provider')
  @ApiOperation({
    summary: 'Start a login at a provider',
    description: `Stores the flow (state, nonce, PKCE verifier, provider, return path) in the sealed, 10-minute \`${FLOW_COOKIE}\` cookie (\`${HOST_PREFIX}${FLOW_COOKIE}\` when the server URL is https) and sends the browser to the provider.`,
  })
  @ApiNoProvider()
  @ApiRedirect(
    "To the provider's authorization endpoint (with the flow cookie), or to the result page when the provider cannot be reached",
    'The authorization URL, or `${serverUrl}/auth?success=false&error=provider_error`',
    {
      'Set-Cookie': {
        description: `\`${FLOW_COOKIE}\`, or on https \`${HOST_PREFIX}${FLOW_COOKIE}\` and its SameSite=None copy`,
        schema: { type: 'string' },
      },
    },
  )
  async login(
    @ParamShape('provider', ProviderParam, noSuchProvider) id: string,
    @QueryShape(LoginQuery) query: z.output<typeof LoginQuery>,
    @Req() request: HttpRequest,
    @Res() response: unknown,
  ): Promise<void> {
    const provider = this.provider(id);
    const next = returnPath(query.next, this.config.serverUrl);
    const { location, cookies } = await this.logins.start(provider, next, request);
    setCookies(response, cookies);
    noStore(response);
    this.adapterHost.httpAdapter.redirect(response, 303, location);
  }

  @Get('callback/:provider')
  @ApiOperation({ summary: "Finish a login (the provider's redirect)" })
  @ApiLoginOutcome()
  callbackByGet(
    @ParamShape('provider', ProviderParam, noSuchProvider) id: string,
    @QueryShape(ProviderCallback) params: CallbackParams,
    @Req() request: HttpRequest,
    @Res() response: unknown,
  ): Promise<void> {
    return this.callback(id, params, request, response);
  }

  /**
   * `response_mode=form_post` (see FlowCookies for the cookie that makes it work). The
   * provider's page posts it from another site, so no origin check: the `state` it carries
   * must match this browser's sealed flow cookie.
   */
  @Post('callback/:provider')
  @CrossSiteAllowed()
  @ApiOperation({ summary: 'Finish a login (response_mode=form_post)' })
  @ApiLoginOutcome()
  callbackByPost(
    @ParamShape('provider', ProviderParam, noSuchProvider) id: string,
    @BodyShape(ProviderCallback, { form: true }) params: CallbackParams,
    @Req() request: HttpRequest,
    @Res() response: unknown,
  ): Promise<void> {
    return this.callback(id, params, request, response);
  }

  private async callback(
    id: string,
    params: CallbackParams,
    request: HttpRequest,
    response: unknown,
  ): Promise<void> {
    const provider = this.provider(id);
    // Cleared whatever the outcome: a refusal (JsonExceptionFilter answers it) keeps the header.
    setCookies(response, this.flows.cleared());
    const { user, next, endSessionHint } = await this.logins.finish(provider, params, request);
    if (endSessionHint) setCookies(response, this.logoutHints.keep(endSessionHint));
    await this.responder.succeed(request, response, user, provider.id, { next });
  }

  private provider(id: string): LoginProvider {
    const provider = this.registry.get(id);
    if (!provider) throw new NotFoundException('No such login provider');
    return provider;
  }
}

/** `next` as a path on this server: `/x?y` as is, or an absolute URL of the server's origin. */
export function returnPath(next: unknown, serverUrl: string): string | null {
  if (typeof next !== 'string') return null;
  if (next.startsWith('/')) return safeReturnPath(next);
  try {
    const url = new URL(next);
    if (url.origin !== new URL(serverUrl).origin) return null;
    return safeReturnPath(`${url.pathname}${url.search}${url.hash}`);
  } catch {
    return null;
  }
}
