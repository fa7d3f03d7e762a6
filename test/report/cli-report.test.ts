/**
 * Goal: `cadre verify` and a failing `cadre simulate` write report.html into their output
 * directory and print its path; `cadre report DATA` renders saved run data (a verify directory or
 * one trace) with the DOT/JSON exports next to it; bad data is a clear one-line error (exit 2).
 * Method: the real CLI (bin/cadre.js) in a temporary directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cadre } from '../cli/run-cadre.js';

const out = mkdtempSync(join(tmpdir(), 'cadre-report-cli-'));
after(() => rmSync(out, { recursive: true, force: true }));

describe('cadre report', () => {
  const dir = join(out, 'rd');
  test('cadre verify writes report.html and says where', () => {
    const r = cadre('verify', 'examples/retry-deliv.ts', '--out', dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`report: ${join(dir, 'report.html')}\n`), r.stdout);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /COUNTEREXAMPLE/);
    assert.ok(existsSync(join(dir, 'report.exports/counterexample-1.lineage.dot')));
    const summary = JSON.parse(readFileSync(join(dir, 'verify.json'), 'utf8'));
    // For the outcome table: c logged (pre holds) but b did not, so no post tuple holds.
    assert.deepEqual(summary.counterexamples[0].outcomes.delivery, {
      pre: [['c', 'hello']],
      post: [],
    });
  });

  test('the game’s other runs are traced again and drawn, each linked from the runs table', () => {
    const d = join(out, '3pc');
    const r = cadre('verify', 'examples/ldfi-paper/3pc.ts', '--out', d);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const summary = JSON.parse(readFileSync(join(d, 'verify.json'), 'utf8'));
    const others = summary.runLog.filter(
      (x: { index: number; status: string }) => x.index > 0 && x.status === 'good',
    );
    assert.ok(others.length >= 10, `${others.length} other runs`);
    for (const x of others) {
      assert.ok(existsSync(join(d, `run-${x.index}.trace.jsonl`)), `run ${x.index} traced`);
      assert.ok(x.outcomes.termination !== undefined, 'with its outcome tuples');
    }
    const html = readFileSync(join(d, 'report.html'), 'utf8');
    const links = html.match(/<a href="#run-[^"]+">diagram<\/a>/g) ?? [];
    assert.equal(links.length, summary.runLog.length, 'every run of the table has its drawing');
    for (const x of others)
      assert.match(html, new RegExp(`<section class="run good" id="run-run-${x.index}"`));
    assert.match(html, /<details class="explored-runs"><summary>The game's other runs \(\d+\)/);
  });

  test('cadre report renders one saved trace, with --out', () => {
    const file = join(out, 'one.html');
    const r = cadre('report', join(dir, 'counterexample-1.trace.jsonl'), '--out', file);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^wrote report .*one\.html \(\d+ KiB, 4 export files\)$/m);
    assert.match(readFileSync(file, 'utf8'), /id="run-counterexample-1"/);
    assert.ok(existsSync(join(out, 'one.exports/counterexample-1.lamport.dot')));
  });

  test('a failing cadre simulate writes seed-N.report.html', () => {
    const sim = join(out, 'sim');
    const r = cadre('simulate', 'test/cli/fixtures/lost-ping.ts', '--seed', '3', '--out', sim);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`report: ${join(sim, 'seed-3.report.html')}\n`), r.stdout);
    const html = readFileSync(join(sim, 'seed-3.report.html'), 'utf8');
    assert.match(html, /cadre simulate: lost-ping/);
    assert.match(html, /cadre replay test\/cli\/fixtures\/lost-ping\.ts --seed 3/);
  });

  test('bad data: one line naming the file and the problem, exit 2', () => {
    const missing = cadre('report', join(out, 'nope'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: .*nope: no such file or directory$/m);
    const junk = join(out, 'junk.trace.jsonl');
    writeFileSync(junk, '{"type":"header","format":"other"}\n');
    const r = cadre('report', junk);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*junk\.trace\.jsonl:1: not a Cadre trace/m);
    assert.doesNotMatch(r.stderr, /at /, 'no stack trace');
    // A hand-edited verify.json: the bad entry is named.
    const summary = join(dir, 'verify.json');
    const v = JSON.parse(readFileSync(summary, 'utf8'));
    v.runLog[1].faults = 'O(a,b,1)';
    writeFileSync(join(out, 'verify.json'), JSON.stringify(v));
    const edited = cadre('report', join(out, 'verify.json'));
    assert.equal(edited.code, 2);
    assert.match(
      edited.stderr,
      /verify\.json: runLog\[1\] must have a numeric index, faults as strings/,
    );
  });
});
