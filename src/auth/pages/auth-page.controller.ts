import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { Public } from '../decorators/access.decorator.js';
import { safeReturnPath } from '../http/login-response.js';
import { routes } from '../http/routes.js';
import { MagicLinkService } from '../mail/magic-link.service.js';
import {
  confirmationPage,
  linkRequestedPage,
  resultPage,
  signInPage,
  type PageChrome,
  type SignInChoice,
} from './auth-page.templates.js';

const PROVIDER_LABELS = { github: 'Sign in with GitHub', google: 'Sign in with Google' } as const;
/** Query values longer than this are not echoed into the page. */
const MAX_ECHO = 128;

/**
 * `GET /auth` (SPEC §2, §6): the magic-link confirmation (`?uid&token`), the result of a login
 * (`?success=true|false&error=code`), the "check your inbox" note (`?requested=true`), and
 * otherwise a minimal sign-in page. GET and HEAD never change anything. Served with no-store,
 * no-referrer (the URL may hold a token), a strict CSP and no script.
 */
@Controller(routes('auth'))
@Public()
export class AuthPageController {
  private readonly choice: SignInChoice;

  constructor(
    private readonly magicLinks: MagicLinkService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {
    this.choice = signInChoice(config);
  }

  @Get()
  async page(@Query() query: Record<string, unknown>, @Res() response: unknown): Promise<void> {
    const nonce = randomBytes(16).toString('base64');
    const chrome: PageChrome = { appName: this.config.appName, nonce };
    const html = await this.render(chrome, (name) => single(query[name]));
    this.send(response, html, nonce);
  }

  private async render(
    chrome: PageChrome,
    param: (name: string) => string | null,
  ): Promise<string> {
    const base = this.config.serverUrl;
    const [uid, token, success] = [param('uid'), param('token'), param('success')];
    if (uid !== null && token !== null && this.config.auth.emailEnabled) {
      const maskedEmail = await this.magicLinks.confirmation(uid, token);
      return confirmationPage(chrome, {
        action: `${base}/login`,
        userId: uid.slice(0, MAX_ECHO),
        token: token.slice(0, MAX_ECHO),
        maskedEmail,
      });
    }
    if (success === 'true' || success === 'false') {
      return resultPage(chrome, {
        success: success === 'true',
        error: param('error'),
        next: `${base}${safeReturnPath(param('next')) ?? '/'}`,
        retry: `${base}/auth`,
      });
    }
    if (param('requested') === 'true' && this.config.auth.emailEnabled) {
      return linkRequestedPage(chrome, {
        validity: this.config.auth.mailDuration,
        retry: `${base}/auth`,
      });
    }
    return signInPage(chrome, this.choice);
  }

  private send(response: unknown, html: string, nonce: string): void {
    const { httpAdapter } = this.adapterHost;
    const origin = new URL(this.config.serverUrl).origin;
    const headers: Record<string, string> = {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${origin}; ` +
        `frame-ancestors 'none'; base-uri 'none'`,
    };
    for (const [name, value] of Object.entries(headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, html, 200);
  }
}

function signInChoice(config: TowerConfig): SignInChoice {
  const providers = config.authTypes
    .filter((type) => type !== 'email')
    .map((type) => ({
      href: `${config.serverUrl}/oauth/login/${type}`,
      label: type === 'oidc' ? config.auth.oidc.label : PROVIDER_LABELS[type],
    }));
  return {
    emailAction: config.auth.emailEnabled ? `${config.serverUrl}/gate/access` : null,
    providers,
  };
}

/** A query value given once, as a string; repeated or nested values count as absent. */
function single(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
