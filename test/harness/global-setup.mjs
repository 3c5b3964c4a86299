// jest loads global setup through its CommonJS path, where `.js` → `.ts` mapping does not
// apply; this file registers the TypeScript hooks and hands over to the real setup.
import '../../scripts/register-ts.mjs';

export default async function globalSetup() {
  const { default: setup } = await import('./database-setup.ts');
  await setup();
}
