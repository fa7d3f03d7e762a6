import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: CLI tests run `cadre` from there, as a user of the quick start would. */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

/** What one `cadre` invocation did. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/cadre.js ARGS…` from the repository root (60 s at most). */
export function cadre(...args: string[]): Ran {
  const r = spawnSync(process.execPath, ['bin/cadre.js', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
