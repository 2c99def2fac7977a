#!/usr/bin/env node
// The `mpcheck` launcher: registers tsx so the TypeScript sources run as they are, with no build
// step (`npm ci && npx mpcheck …`). All behaviour lives in src/cli/main.ts; this file only makes
// sure that even a failure to load the sources ends with one line and exit code 3.
import { register } from 'tsx/esm/api';

const EXIT_INTERNAL = 3;
const firstLine = (e) => String(e instanceof Error ? e.message : e).split('\n')[0];

register();
try {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`mpcheck: internal error: ${firstLine(e)}\n`);
  if (process.env.MPCHECK_DEBUG !== undefined && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exitCode = EXIT_INTERNAL;
}
