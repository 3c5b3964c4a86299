import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { z } from 'zod';
import { ApiOperation, ApiTags } from '../http/openapi.metadata.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { safeReturnPath } from '../http/login-response.js';
import { ApiContent } from '../http/openapi.decorators.js';
import { QueryShape } from '../http/shapes.js';
import { MagicLinkService } from '../mail/magic-link.service.js';
import {
  confirmationPage,
  failurePage,
  linkRequestedPage,
  type PageChrome,
} from './auth-page.templates.js';
import { loginPage, type SignInChoice } from './login-page.templates.js';
import { scriptRef } from './page-assets.js';
import { pagePolicy, sendPage, styleNonce } from './page-response.js';

const PROVIDER_LABELS = { github: 'Sign in with GitHub', google: 'Sign in with Google' } as const;
/** Query values longer than this are not echoed into the page. */
const MAX_ECHO = 128;

/** A query value given once, as a string; repeated or nested values count as absent. */
const single = z.string().nullish().catch(null);

export const AuthPageQuery = z.object({
  uid: single,
  token: single,
  success: single.meta({ enum: ['true', 'false'] }),
  error: single.describe('A login error code'),
  next: single,
  requested: single.meta({ enum: ['true'] }),
});
type PageQuery = z.output<typeof AuthPageQuery>;

/**
 * `GET /auth`: the magic-link confirmation (`?uid&token`), a failed login
 * (`?success=false&error=code`) and the "check your inbox" note (`?requested=true`), all
 * without script; otherwise the login page (sign-in choices, or the signed-in view after
 * `?success=true`) with its same-origin script. GET and HEAD never change anything. Served
 * with no-store, a Referer of the origin only (the URL may hold a token) and a strict CSP.
 */
@Controller('auth')
@Public()
@ApiTags('pages')
export class AuthPageController {
  private readonly origin: string;

  constructor(
    private readonly magicLinks: MagicLinkService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {
    this.origin = new URL(config.serverUrl).origin;
  }

  @Get()
  @ApiOperation({
    summary: 'The login page',
    description:
      'The sign-in choices; the confirmation of a sign-in link (`uid`, `token`), which consumes nothing until its button is pressed; the result of a login (`success`, `error`); "check your inbox" (`requested`); the signed-in view.',
  })
  @ApiContent(200, 'The page (no-store, Referrer-Policy strict-origin, strict CSP)', ['text/html'])
  async page(@QueryShape(AuthPageQuery) query: PageQuery, @Res() response: unknown): Promise<void> {
    const nonce = styleNonce();
    const chrome: PageChrome = {
      appName: this.config.appName,
      nonce,
      base: this.config.serverPath,
    };
    const { html, scripts } = await this.render(chrome, (name) => query[name] ?? null);
    sendPage(this.adapterHost.httpAdapter, response, html, pagePolicy(nonce, this.origin, scripts));
  }

  private async render(
    chrome: PageChrome,
    param: (name: keyof PageQuery) => string | null,
  ): Promise<{ html: string; scripts: boolean }> {
    const base = this.config.serverUrl;
    const [uid, token, success] = [param('uid'), param('token'), param('success')];
    if (uid !== null && token !== null && this.config.auth.emailEnabled) {
      const maskedEmail = await this.magicLinks.confirmation(uid, token);
      const html = confirmationPage(chrome, {
        action: `${base}/login`,
        userId: uid.slice(0, MAX_ECHO),
        token: token.slice(0, MAX_ECHO),
        maskedEmail,
      });
      return { html, scripts: false };
    }
    if (success === 'false') {
      const html = failurePage(chrome, { error: param('error'), retry: `${base}/auth` });
      return { html, scripts: false };
    }
    if (param('requested') === 'true' && this.config.auth.emailEnabled) {
      const html = linkRequestedPage(chrome, {
        validity: this.config.auth.mailDuration,
        retry: `${base}/auth`,
      });
      return { html, scripts: false };
    }
    const next = safeReturnPath(param('next'));
    const html = loginPage(chrome, {
      state: success === 'true' ? 'signed-in' : 'sign-in',
      choice: signInChoice(this.config, next),
      next,
      // `next` is a path on this origin (what a host's front end knows), not under serverUrl.
      continueHref: next ? `${this.origin}${next}` : `${base}/`,
      logoutAction: `${base}/logout`,
      adminHref: `${base}/auth/admin`,
      script: scriptRef('login-page.js', this.config.serverPath),
    });
    return { html, scripts: true };
  }
}

/** The no-script fallback of the choices; the page's script rebuilds them from /service-info. */
function signInChoice(config: TowerConfig, next: string | null): SignInChoice {
  const query = next ? `?next=${encodeURIComponent(next)}` : '';
  const providers = config.authTypes
    .filter((type) => type !== 'email')
    .map((type) => ({
      href: `${config.serverUrl}/oauth/login/${type}${query}`,
      label: type === 'oidc' ? config.auth.oidc.label : PROVIDER_LABELS[type],
    }));
  return {
    emailAction: config.auth.emailEnabled ? `${config.serverUrl}/gate/access` : null,
    providers,
  };
}
