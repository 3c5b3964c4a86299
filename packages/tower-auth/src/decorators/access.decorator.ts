import { SetMetadata } from '@nestjs/common';

export const ACCESS_RULE = 'tower:access';
export type AccessRule = 'public' | 'user' | 'root';

/** The route needs no credential; any that comes with the request is ignored. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, 'public');

/** Any signed-in user (what the guard enforces anyway; declared so every route states a rule). */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_RULE, 'user');

/** Root users only (TOWER_ROOT_USERS); others get 403. */
export const RootOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, 'root');
