/**
 * `cadre verify` end to end: spawns the CLI on the retry-deliv example and checks the verdicts,
 * exit codes (0 verified, 1 counterexample, 2 error), the saved run data, and that the printed
 * reproduce command replays the counterexample.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cadre } from './run-cadre.js';

let out: string;

before(() => {
  out = mkdtempSync(join(tmpdir(), 'cadre-verify-'));
});
after(() => rmSync(out, { recursive: true, force: true }));

test("the spec's own parameters (4/2/1): counterexample, exit 1, run data written, replay fails the same way", () => {
  const r = cadre('verify', 'examples/retry-deliv.ts', '--out', out);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /COUNTEREXAMPLE within EOT 4, EFF 2, crashes 1: found after 2 runs of 40,704 combinations/,
  );
  assert.match(r.stdout, /faults: C\(a,2,send-omission\) O\(a,[bc],1\)/);
  const summary = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8'));
  assert.equal(summary.verdict, 'counterexample');
  assert.equal(summary.runs, 2);
  assert.equal(summary.runLog.length, 2);
  const reproduce = /reproduce: npx cadre (replay .*)$/m.exec(r.stdout)?.[1];
  assert.ok(reproduce, r.stdout);
  const replay = cadre(...reproduce.split(' '), '--out', out);
  assert.equal(replay.code, 1, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /pre-post delivery violated at time 4/);
});

test('verified without crashes: exit 0', () => {
  const r = cadre(
    'verify',
    'examples/retry-deliv.ts',
    '--eot',
    '6',
    '--eff',
    '3',
    '--crashes',
    '0',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /VERIFIED within EOT 6, EFF 3, crashes 0/);
});

test('baselines: random reports its mean, exhaustive finds the same bug', () => {
  const random = cadre(
    'verify',
    'examples/retry-deliv.ts',
    '--strategy',
    'random',
    '--random-seeds',
    '5',
    '--out',
    out,
  );
  assert.equal(random.code, 1, random.stdout + random.stderr);
  assert.match(
    random.stdout,
    /random baseline: a counterexample found in 5 of 5 seeds, mean [\d.]+ runs/,
  );
  const exhaustive = cadre(
    'verify',
    'examples/retry-deliv.ts',
    '--strategy',
    'exhaustive',
    '--out',
    out,
  );
  assert.equal(exhaustive.code, 1);
  assert.match(
    exhaustive.stdout,
    /COUNTEREXAMPLE after [\d,]+ runs: C\(a,2,send-omission\) O\(a,[bc],1\)/,
  );
  // Baselines keep no traces: the counterexample is replayed traced, and its report written.
  assert.match(
    exhaustive.stdout,
    /reproduce: npx cadre replay examples\/retry-deliv.ts --seed 1 --plan .*counterexample\.plan\.json --eot 4/,
  );
  assert.match(exhaustive.stdout, /report: .*report\.html/);
  assert.ok(existsSync(join(out, 'counterexample.trace.jsonl')));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /C\(a,2,send-omission\)/);
});

test('parameters out of range: exit 2 with one clear line', () => {
  const r = cadre('verify', 'examples/retry-deliv.ts', '--eot', '3', '--eff', '4', '--out', out);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /EFF \(4\) must not exceed EOT \(3\)/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  const bad = cadre('verify', 'examples/retry-deliv.ts', '--crashes', 'x');
  assert.equal(bad.code, 2);
});
