// Campaigns: run a seed range, collect failing seeds with a one-line summary, optionally stop at the
// first failure, report progress; reject malformed ranges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fact } from '../../src/core/fact.js';
import type { Process } from '../../src/core/process.js';
import { defineSpec } from '../../src/core/spec.js';
import { runCampaign, summarizeFailure } from '../../src/sim/campaign.js';

/** Fails exactly on seeds whose node stream draws a number below 0.3. */
const proc = (): Process<unknown> => ({
  init(ctx) {
    ctx.emit(fact('draw', ctx.id, ctx.random()));
  },
  receive() {},
  timer() {},
});
const spec = defineSpec<unknown>({
  name: 'campaign',
  nodes: ['a'],
  process: proc,
  time: { model: 'sync', eot: 1 },
  guarantees: {
    invariants: [
      {
        name: 'draw >= 0.3',
        check: (w) => {
          const d = w.facts('draw')[0]?.args[1] as number | undefined;
          return d !== undefined && d < 0.3 ? `drew ${d}` : undefined;
        },
      },
    ],
  },
});

describe('runCampaign', () => {
  test('runs every seed of the range and collects the failing ones', () => {
    const progress: [number, number][] = [];
    const c = runCampaign(spec, {
      from: 1,
      to: 40,
      onRun: (_r, done, total) => progress.push([done, total]),
    });
    assert.equal(c.runs, 40);
    assert.equal(progress.length, 40);
    assert.deepEqual(progress.at(-1), [40, 40]);
    assert.ok(c.failures.length > 3 && c.failures.length < 25, `${c.failures.length} failures`);
    assert.equal(c.passed, 40 - c.failures.length);
    assert.ok(c.events >= 40);
    for (const f of c.failures) {
      assert.equal(f.status, 'fail');
      assert.equal(f.result.seed, f.seed);
      assert.match(f.summary, /^invariant draw >= 0\.3 violated at time 1: drew 0\.[0-2]/);
    }
    const seeds = c.failures.map((f) => f.seed);
    assert.deepEqual(
      seeds,
      [...seeds].sort((x, y) => x - y),
    );
    // Deterministic: the same range fails on the same seeds.
    assert.deepEqual(
      runCampaign(spec, { from: 1, to: 40 }).failures.map((f) => f.seed),
      seeds,
    );
  });

  test('stopAtFirstFailure stops at the first failing seed', () => {
    const all = runCampaign(spec, { from: 1, to: 40 });
    const first = all.failures[0]!.seed;
    const c = runCampaign(spec, { from: 1, to: 40, stopAtFirstFailure: true });
    assert.equal(c.failures.length, 1);
    assert.equal(c.failures[0]?.seed, first);
    assert.equal(c.runs, first);
  });

  test('rejects malformed seed ranges', () => {
    assert.throws(() => runCampaign(spec, { from: 5, to: 4 }), /seed range 5\.\.4/);
    assert.throws(() => runCampaign(spec, { from: 0.5, to: 4 }), RangeError);
  });

  test('summarizeFailure names an error, a violation, or a pass', () => {
    const c = runCampaign(spec, { from: 1, to: 40 });
    const fail = c.failures[0]!.result;
    assert.match(summarizeFailure(fail), /^invariant draw/);
    assert.equal(summarizeFailure({ ...fail, violations: [] }), 'pass');
    assert.equal(summarizeFailure({ ...fail, error: 'boom' }), 'error: boom');
  });
});
