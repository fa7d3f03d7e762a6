/**
 * The `cadre` command end to end: spawns `node bin/cadre.js` from the repo root, as a user would,
 * and checks exit codes, what is printed and what is written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cadre } from './run-cadre.js';

const example = 'examples/retry-deliv.ts';
let out: string;

function traceHash(stdout: string): string {
  const m = /^trace hash: sha256:([0-9a-f]{64})$/m.exec(stdout);
  assert.ok(m, `no trace hash in:\n${stdout}`);
  return m[1] as string;
}

/** User errors are one message, never a stack trace. */
function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stack trace in stderr:\n${stderr}`);
}

before(() => {
  out = mkdtempSync(join(tmpdir(), 'cadre-cli-test-'));
});
after(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('cadre simulate', () => {
  test('one seed of the bundled example passes and writes its trace and result', () => {
    const dir = join(out, 'simulate-one');
    const r = cadre('simulate', example, '--seed', '1', '--out', dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^PASS/m);
    assert.match(r.stdout, /events\/s/);
    const tracePath = join(dir, 'seed-1.trace.jsonl');
    const text = readFileSync(tracePath, 'utf8');
    const header = JSON.parse(text.split('\n')[0] as string);
    assert.equal(header.type, 'header');
    assert.equal(header.format, 'cadre-trace');
    assert.equal(header.spec, 'retry-deliv');
    assert.equal(header.seed, 1);
    // The printed hash is the SHA-256 of the file: users can check it with sha256sum.
    assert.equal(traceHash(r.stdout), createHash('sha256').update(text).digest('hex'));
    const result = JSON.parse(readFileSync(join(dir, 'seed-1.result.json'), 'utf8'));
    assert.equal(result.status, 'pass');
    assert.deepEqual(result.violations, []);
    assert.ok(Array.isArray(result.plan.faults));
    assert.ok(result.stats.events > 0);
    assert.ok(result.facts.some((f: { name: string }) => f.name === 'log'));
  });

  test('a failing campaign lists the seeds, reproduces each, and shrinks the first', () => {
    const spec = 'test/cli/fixtures/lost-ping.ts';
    const dir = join(out, 'campaign');
    const r = cadre('simulate', spec, '--seeds', '3..7', '--shrink', '--out', dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL: 5 of 5 seeds violated a guarantee/m);
    for (let seed = 3; seed <= 7; seed++) {
      assert.ok(
        r.stdout.includes(`cadre replay ${spec} --seed ${seed}\n`),
        `no reproduce command for seed ${seed}:\n${r.stdout}`,
      );
    }
    const summary = JSON.parse(readFileSync(join(dir, 'campaign-3-7.json'), 'utf8'));
    assert.deepEqual(
      summary.failures.map((f: { seed: number }) => f.seed),
      [3, 4, 5, 6, 7],
    );
    assert.ok(existsSync(join(dir, 'seed-3.trace.jsonl')));
    const planFile = join(dir, 'seed-3.plan.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    assert.deepEqual(plan, { faults: [{ kind: 'omission', from: 'a', to: 'b', at: 1 }] });
    assert.ok(r.stdout.includes(`cadre replay ${spec} --seed 3 --plan ${planFile}`), r.stdout);

    const again = cadre('replay', spec, '--seed', '3', '--plan', planFile, '--out', dir);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /final b-got-ping violated/);
  });

  test('--stop-at-first stops at the first failing seed', () => {
    const dir = join(out, 'stop');
    const r = cadre(
      'simulate',
      'test/cli/fixtures/lost-ping.ts',
      '--seeds',
      '1..50',
      '--stop-at-first',
      '--out',
      dir,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^FAIL: 1 of 1 seeds violated a guarantee \(stopped at the first failure after 1 of 50\)/m,
    );
  });

  test('a run that ends in an error exits 2 and still prints how to reproduce it', () => {
    const r = cadre(
      'simulate',
      'test/cli/fixtures/throws.ts',
      '--seed',
      '4',
      '--out',
      join(out, 'throws'),
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^ERROR: .*handler deliver threw: Error: boom/m);
    assert.match(r.stdout, /cadre replay test\/cli\/fixtures\/throws\.ts --seed 4/);
  });

  test('a spec file that exports no spec fails with exit 2 and names the file', () => {
    const r = cadre('simulate', 'test/cli/fixtures/no-spec.ts', '--seed', '1', '--out', out);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /test\/cli\/fixtures\/no-spec\.ts exports no spec/);
    assert.match(r.stderr, /helper \(a function\), notASpec \(an object\)/);
    assertNoStack(r.stderr);
  });

  test('a missing spec file fails with exit 2', () => {
    const r = cadre('simulate', 'examples/no-such-file.ts', '--seed', '1', '--out', out);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /spec file not found: examples\/no-such-file\.ts/);
    assertNoStack(r.stderr);
  });

  test('bad seed flags fail with exit 2 and say what is expected', () => {
    const empty = cadre('simulate', example, '--seeds', '5..1', '--out', out);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--seeds <A\.\.B>' argument '5\.\.1' is invalid/);
    assert.match(empty.stderr, /write the smaller seed first/);
    assertNoStack(empty.stderr);
    const notNumber = cadre('simulate', example, '--seed', 'abc', '--out', out);
    assert.equal(notNumber.code, 2);
    assert.match(notNumber.stderr, /--seed <n>' argument 'abc' is invalid/);
    const neither = cadre('simulate', example, '--out', out);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give --seed N .* or --seeds A\.\.B/);
  });
});

describe('cadre replay', () => {
  const plan = () => {
    const file = join(out, 'crash-plan.json');
    writeFileSync(
      file,
      JSON.stringify([
        { kind: 'omission', from: 'a', to: 'b', at: 1 },
        { kind: 'crash', node: 'a', at: 2 },
      ]),
    );
    return file;
  };

  test('the paper counterexample fails with exit 1 and prints the reproduce command', () => {
    const file = plan();
    const r = cadre('replay', example, '--seed', '1', '--plan', file, '--out', join(out, 'replay'));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^faults: O\(a,b,1\) C\(a,2\)$/m);
    assert.match(r.stdout, /^FAIL/m);
    assert.match(r.stdout, /pre-post delivery violated at time 4: .*\["c","hello"\]/);
    assert.ok(
      r.stdout.includes(`reproduce: npx cadre replay ${example} --seed 1 --plan ${file}`),
      r.stdout,
    );
    assert.ok(existsSync(join(out, 'replay', 'seed-1.replay.trace.jsonl')));
  });

  test('replaying twice gives byte-identical traces (same hash)', () => {
    const file = plan();
    const first = cadre('replay', example, '--seed', '9', '--plan', file, '--out', join(out, 'r1'));
    const second = cadre(
      'replay',
      example,
      '--seed',
      '9',
      '--plan',
      file,
      '--out',
      join(out, 'r2'),
    );
    assert.equal(traceHash(first.stdout), traceHash(second.stdout));
    assert.equal(
      readFileSync(join(out, 'r1', 'seed-9.replay.trace.jsonl'), 'utf8'),
      readFileSync(join(out, 'r2', 'seed-9.replay.trace.jsonl'), 'utf8'),
    );
    // A different plan gives a different trace: the hash is not a constant.
    const none = join(out, 'no-faults.json');
    writeFileSync(none, '{"faults": []}');
    const other = cadre('replay', example, '--seed', '9', '--plan', none, '--out', join(out, 'r3'));
    assert.equal(other.code, 0, other.stdout + other.stderr);
    assert.notEqual(traceHash(other.stdout), traceHash(first.stdout));
  });

  test('a malformed plan file fails with exit 2, naming the file and the field', () => {
    const file = join(out, 'bad-plan.json');
    writeFileSync(file, JSON.stringify({ faults: [{ kind: 'crash', node: 'z', at: 2 }] }));
    const r = cadre('replay', example, '--seed', '1', '--plan', file, '--out', out);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`plan file ${file}: faults[0].node: unknown node "z"`), r.stderr);
    assertNoStack(r.stderr);
  });
});
