import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'tower:public';

/** The route needs no credential; any that comes with the request is ignored. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
