import type { Provider, Type } from '@nestjs/common';
import { AdminPageController } from './admin-page.controller.js';
import { AuthPageController } from './auth-page.controller.js';
import { PageAssetsController } from './page-assets.controller.js';
import { SessionSummaryController } from './session-summary.controller.js';

/**
 * The pages a person uses: `GET /auth` (magic-link confirmation, results, the login page and
 * the signed-in view), the admin view, their scripts, and the session summary they read.
 */
export const PAGES: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [
    AuthPageController,
    AdminPageController,
    PageAssetsController,
    SessionSummaryController,
  ],
  providers: [],
  exports: [],
};
