/** `node --import ./scripts/register-ts.mjs bench/overhead-main.ts`: the overhead benchmark alone. */
import { runOverheadBenchmark } from './overhead.js';
import { markdownTable } from './table.js';

const result = await runOverheadBenchmark();
process.stdout.write(`${markdownTable(result.rows)}\n`);
for (const problem of result.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
for (const warning of result.warnings ?? []) process.stdout.write(`WARNING: ${warning}\n`);
