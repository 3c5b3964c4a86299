// Node module hooks that run the project's TypeScript sources directly: `.js` specifiers fall
// back to the `.ts` file beside them, `tower-auth` is the library's source, and `.ts` files are compiled by swc with the same
// options as the tests (legacy decorators with metadata, which Nest and TypeORM need).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const OPTIONS = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** The library's own sources stand in for its build, as in the tests and the editor. */
const LIBRARY = {
  'tower-auth': new URL('../packages/tower-auth/src/index.ts', import.meta.url).href,
  'tower-auth/openapi': new URL('../packages/tower-auth/src/openapi.ts', import.meta.url).href,
};

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(LIBRARY, specifier)) return next(LIBRARY[specifier], context);
  try {
    return await next(specifier, context);
  } catch (error) {
    const local = specifier.startsWith('.') || specifier.startsWith('file:');
    if (!local || !specifier.endsWith('.js') || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return next(`${specifier.slice(0, -3)}.ts`, context);
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const source = await readFile(filename, 'utf8');
  const { code } = await swc.transform(source, { ...OPTIONS, filename });
  return { format: 'module', source: code, shortCircuit: true };
}
