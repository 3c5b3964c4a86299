import base from './jest.config.js';

/**
 * The fault suite (`npm run test:faults`): tests that stop and start their own Postgres, make
 * SMTP refuse, or signal a service process. One file at a time: they are slow and load the
 * machine on purpose, and their timings must not compete with each other.
 */
export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault.ts'],
  maxWorkers: 1,
  testTimeout: 180_000,
};
