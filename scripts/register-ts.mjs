// `node --import ./scripts/register-ts.mjs file.ts` runs TypeScript sources without a build.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
