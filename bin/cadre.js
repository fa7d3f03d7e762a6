#!/usr/bin/env node
// The `cadre` command. Registers tsx so that Cadre's own TypeScript sources and the user's spec
// files (TypeScript too) load directly, with no build step, then hands over to the CLI.
import { register } from 'tsx/esm/api';

// Output piped into `head` and closed early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
