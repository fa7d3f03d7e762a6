import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot, scratch } from './node-process.js';

const tmp = scratch('cadre-cluster-up-');
after(() => tmp.remove());

describe('cadre cluster up', () => {
  it('starts every node of an example, prints where each listens, merges logs with node ids and, at the end, the traces', () => {
    const r = spawnSync(
      process.execPath,
      [
        'bin/cadre.js',
        'cluster',
        'up',
        'retry-deliv',
        '--nodes',
        '3',
        '--duration-ms',
        '6000',
        '--tick-ms',
        '50',
        '--out',
        tmp.dir,
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
    const out = r.stdout;
    for (const id of ['a', 'b', 'c'])
      assert.match(
        out,
        new RegExp(
          `^  ${id}  node port 127\\.0\\.0\\.1:\\d+  metrics http://127\\.0\\.0\\.1:\\d+/metrics`,
          'm',
        ),
      );
    for (const id of ['b', 'c'])
      assert.match(out, new RegExp(`^\\S+ ${id} INFO log\\("${id}","hello"\\)`, 'm'));
    assert.match(out, /^\S+ a INFO bcast\("a","hello"\)/m);
    assert.match(out, /^merged trace: .*run\.trace\.jsonl \(\d+ events, \d+ messages\)$/m);
    const trace = join(tmp.dir, 'run.trace.jsonl');
    assert.ok(existsSync(trace));
    assert.match(
      readFileSync(trace, 'utf8').split('\n')[0] as string,
      /"format":"cadre-trace","version":1/,
    );
    // The merged real run renders in the same report as a simulated one.
    const report = spawnSync(
      process.execPath,
      ['bin/cadre.js', 'report', trace, '--out', join(tmp.dir, 'report.html')],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(report.status, 0, report.stderr);
    assert.match(readFileSync(join(tmp.dir, 'report.html'), 'utf8'), /<html/i);
  });

  it('refuses a node count the spec does not have', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/cadre.js', 'cluster', 'up', 'retry-deliv', '--nodes', '5'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /spec retry-deliv has 3 nodes \(a, b, c\), not 5/);
  });

  it('cadre run refuses a bad --peers list with the entry named (exit 2)', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/cadre.js', 'run', 'examples/retry-deliv.ts', ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const malformed = run('--id', 'a', '--peers', 'a=127.0.0.1:1,b=127.0.0.1');
    assert.equal(malformed.status, 2);
    assert.match(
      malformed.stderr,
      /peers b: expected "host:port" with a port 0-65535, got "127\.0\.0\.1"/,
    );
    const missing = run('--id', 'a', '--peers', 'a=127.0.0.1:1,b=127.0.0.1:2');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--peers lacks an address for c \(spec retry-deliv\)/);
  });
});
