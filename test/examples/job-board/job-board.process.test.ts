/**
 * The job board example (examples/job-board) on a real local cluster: three `cadre kv serve`
 * processes and three worker processes, with the scheduler frozen past its lock TTL and the KV
 * leader killed. The example checks its own board and exits non-zero on a problem; this test runs
 * it and also reads its summary.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('job board example (real processes)', () => {
  it('every job runs under its standing assignment through a frozen scheduler and a KV leader kill', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'examples', 'job-board', 'main.ts'), '--jobs', '24'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    // The faults really happened, and a second scheduler took over with a higher token.
    assert.match(out, /SIGSTOP w\d \(the scheduler, token \d+\)/);
    assert.match(out, /kill -9 KV leader n\d/);
    const tokens = [...out.matchAll(/scheduler \{"token":(\d+)\}/g)].map((m) => Number(m[1]));
    assert.ok(tokens.length >= 2, `expected a takeover, saw scheduler tokens ${tokens}\n${out}`);
    assert.ok(
      tokens.every((t, i) => i === 0 || t > (tokens[i - 1] as number)),
      out,
    );
    const summary = /summary: 24 jobs, (\d+) runs/.exec(out);
    assert.ok(summary !== null && Number(summary[1]) >= 24, out);
    assert.match(out, /ok: every job ran under its standing assignment/);
  });
});
