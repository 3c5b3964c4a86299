import type { Provider, Type } from '@nestjs/common';
import { AdminSessionsController } from '../http/admin-sessions.controller.js';
import { LaunchCredentialsService } from './launch-credentials.service.js';

/**
 * Job launch credentials: the service a host's launch code calls, and the admin routes that
 * list a user's sessions (jobs shown as such) and end one by its id.
 */
export const LAUNCH: {
  controllers: Type[];
  providers: Provider[];
  exports: (Type | symbol)[];
} = {
  controllers: [AdminSessionsController],
  providers: [LaunchCredentialsService],
  exports: [LaunchCredentialsService],
};
