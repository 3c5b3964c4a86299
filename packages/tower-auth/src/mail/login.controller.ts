import { Controller, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SameOriginOnly } from '../decorators/same-origin.decorator.js';
import { LoginResponder } from '../http/login-response.js';
import { LoginFailureBody, TokenResponseBody } from '../http/http.shapes.js';
import {
  ApiErrors,
  ApiJson,
  ApiRedirect,
  SESSION_COOKIES_SET,
} from '../http/openapi.decorators.js';
import { BodyShape } from '../http/shapes.js';
import { MagicLinkRedeem } from './mail.shapes.js';
import { MagicLinkService } from './magic-link.service.js';
import type { HttpRequest } from '../common/http-request.js';

/**
 * `POST /login {username: uid, password: token}`: the confirmation page's button. Consumes
 * the magic link once and starts a session: `303 /auth?success=true` with the cookies for a
 * browser, the token body for a JSON client; a used, expired or unknown link gets
 * `303 /auth?success=false&error=invalid_link` or a JSON 401.
 */
@Controller('login')
@Public()
@ApiTags('e-mail login')
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
  @ApiRedirect(
    'A browser: signed in (with the session cookies), or refused',
    '`${serverUrl}/auth?success=true`, or `?success=false&error=invalid_link`',
    SESSION_COOKIES_SET,
  )
  @ApiJson(200, 'A JSON client, signed in', TokenResponseBody, SESSION_COOKIES_SET)
  @ApiJson(401, 'A JSON client: the link is unknown, expired or used', LoginFailureBody)
  @ApiErrors({ 400: 'username and password must be single strings', 404: 'E-mail login is off' })
  async login(
    @Req() request: HttpRequest,
    @Res() response: unknown,
    @BodyShape(MagicLinkRedeem) { username, password }: z.output<typeof MagicLinkRedeem>,
  ): Promise<void> {
    if (!this.config.auth.emailEnabled) throw new NotFoundException('E-mail login is not enabled');
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
