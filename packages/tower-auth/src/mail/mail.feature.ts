import type { Provider, Type } from '@nestjs/common';
import { RateLimitRepository } from '../rate-limit/rate-limit.repository.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import { GateController } from './gate.controller.js';
import { LoginController } from './login.controller.js';
import { MagicLinkRepository } from './magic-link.repository.js';
import { MagicLinkService } from './magic-link.service.js';
import { MailOutboxRepository } from './mail-outbox.repository.js';
import { MailerService } from './mailer.service.js';
import { OutboxWorker } from './outbox-worker.service.js';

/**
 * E-mail (magic link) login, its outbox and rate limits: the controllers and providers AuthModule registers for this
 * feature. Kept here so the feature owns its wiring; `exports` are what other modules may inject.
 */
export const MAIL_LOGIN: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [GateController, LoginController],
  providers: [
    RateLimitRepository,
    RateLimitService,
    MagicLinkRepository,
    MailOutboxRepository,
    MailerService,
    OutboxWorker,
    MagicLinkService,
  ],
  exports: [RateLimitService],
};
