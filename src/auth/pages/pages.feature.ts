import type { Provider, Type } from '@nestjs/common';
import { AuthPageController } from './auth-page.controller.js';

/**
 * The server-rendered `GET /auth` page (magic-link confirmation, login result, minimal sign-in
 * page): the controllers and providers AuthModule registers for it.
 */
export const PAGES: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [AuthPageController],
  providers: [],
  exports: [],
};
