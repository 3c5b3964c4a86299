import '../../scripts/register-ts.mjs';

export default async function globalTeardown() {
  const { default: teardown } = await import('./database-teardown.ts');
  await teardown();
}
