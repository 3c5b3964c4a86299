import {
  Controller,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { z } from 'zod';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { SameOriginOnly } from '../decorators/same-origin.decorator.js';
import { noStore } from '../http/http-response.js';
import { ErrorBody } from '../http/http.shapes.js';
import { ApiErrors, ApiJson, ApiRedirect } from '../http/openapi.decorators.js';
import { BodyShape } from '../http/shapes.js';
import { MagicLinkRequest, MagicLinkRequested } from './mail.shapes.js';
import { MagicLinkService } from './magic-link.service.js';
import type { HttpRequest } from '../common/http-request.js';

/**
 * The answer for every accepted request, whether or not an e-mail goes out: it never tells whether
 * an address is known or admitted.
 */
export const GATE_ANSWER: z.input<typeof MagicLinkRequested> = { state: 0 };

/**
 * `POST /gate/access {email}`: request a magic link. Known, unknown and refused addresses get
 * the same answer; only rate limits (429) and malformed input (400) differ. The e-mail is
 * queued, never sent while the request waits. A browser posting the sign-in page's form is sent
 * back to `/auth?requested=true` ("check your inbox") instead of seeing JSON.
 */
@Controller('gate')
@Public()
@ApiTags('e-mail login')
export class GateController {
  constructor(
    private readonly magicLinks: MagicLinkService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  @Post('access')
  @SameOriginOnly()
  @ApiOperation({
    summary: 'Ask for a sign-in link by e-mail',
    description:
      'Known, new and refused (allow list) addresses get the same answer; only an admitted address gets a user and an e-mail. The e-mail is queued, never sent while the request waits.',
  })
  @ApiJson(200, 'Accepted', MagicLinkRequested)
  @ApiRedirect(
    'Accepted, for a browser form (`Accept: text/html`)',
    '`${serverUrl}/auth?requested=true`',
  )
  @ApiErrors({ 400: 'Not a plain e-mail address', 404: 'E-mail login is off' })
  @ApiJson(429, 'Too many requests for this address or from this client', ErrorBody, {
    'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
  })
  async access(
    @Req() request: HttpRequest,
    @Res() response: unknown,
    @BodyShape(MagicLinkRequest) { email }: z.output<typeof MagicLinkRequest>,
  ): Promise<void> {
    if (!this.config.auth.emailEnabled) throw new NotFoundException('E-mail login is not enabled');
    const outcome = await this.magicLinks.request(
      email,
      requestInfo(request, this.config.trustProxy),
    );
    const { httpAdapter } = this.adapterHost;
    noStore(response);
    if (outcome.kind === 'rate_limited') {
      httpAdapter.setHeader(response, 'Retry-After', String(outcome.retryAfter));
      throw new HttpException(
        'Too many sign-in link requests; try again later',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (isBrowserForm(request.headers)) {
      httpAdapter.redirect(response, 303, `${this.config.serverUrl}/auth?requested=true`);
      return;
    }
    httpAdapter.reply(response, GATE_ANSWER, 200);
  }
}

/** A form a browser submitted (it asks for HTML); API clients send JSON or ask for JSON. */
function isBrowserForm(headers: HttpRequest['headers']): boolean {
  const type = String(headers['content-type'] ?? '');
  const accept = String(headers.accept ?? '');
  return /^application\/x-www-form-urlencoded/i.test(type) && /text\/html/i.test(accept);
}
