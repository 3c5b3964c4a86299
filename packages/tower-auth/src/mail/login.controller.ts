import { Controller, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import type { HttpRequest } from '../common/http-request.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SameOriginOnly } from '../decorators/same-origin.decorator.js';
import { LoginResponder } from '../http/login-response.js';
import {
  ApiErrors,
  ApiFormOrJson,
  ApiJson,
  ApiRedirect,
  SESSION_COOKIES_SET,
} from '../http/openapi.decorators.js';
import { API_TAGS } from '../http/openapi.schemas.js';
import { stringFields } from './form-body.js';
import { MagicLinkService } from './magic-link.service.js';

/**
 * `POST /login {username: uid, password: token}`: the confirmation page's button. Consumes
 * the magic link once and starts a session: `303 /auth?success=true` with the cookies for a
 * browser, the token body for a JSON client; a used, expired or unknown link gets
 * `303 /auth?success=false&error=invalid_link` or a JSON 401.
 */
@Controller('login')
@Public()
@ApiTags(API_TAGS.email)
export class LoginController {
  constructor(
    private readonly magicLinks: MagicLinkService,
    private readonly responder: LoginResponder,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Post()
  @SameOriginOnly()
  @ApiOperation({
    summary: 'Redeem a sign-in link',
    description:
      "What the button of the sign-in link's page posts. Consumes the link once (of concurrent posts exactly one wins) and starts a session.",
  })
  @ApiFormOrJson('MagicLinkRedeem')
  @ApiRedirect(
    'A browser: signed in (with the session cookies), or refused',
    '`${serverUrl}/auth?success=true`, or `?success=false&error=invalid_link`',
    SESSION_COOKIES_SET,
  )
  @ApiJson(200, 'A JSON client, signed in', 'TokenResponse', SESSION_COOKIES_SET)
  @ApiJson(401, 'A JSON client: the link is unknown, expired or used', 'LoginFailure')
  @ApiErrors({ 400: 'username and password must be single strings', 404: 'E-mail login is off' })
  async login(@Req() request: HttpRequest, @Res() response: unknown): Promise<void> {
    if (!this.config.auth.emailEnabled) throw new NotFoundException('E-mail login is not enabled');
    const { username, password } = stringFields(request.body, ['username', 'password']);
    const outcome = await this.magicLinks.redeem(
      username,
      password,
      requestInfo(request, this.config.trustProxy),
    );
    if (outcome.kind === 'refused') {
      this.responder.fail(request, response, outcome.code);
      return;
    }
    await this.responder.succeed(request, response, outcome.user, 'email');
  }
}
