/**
 * Goal: the LDFI game on small protocols gives Molly's verdicts and run counts, rejects bad
 * parameters and nondeterministic processes clearly, and agrees with exhaustive search (a
 * completeness cross-check: whenever exhaustive search finds a counterexample, LDFI finds one).
 * Method: the delivery examples at the paper's parameters, plus tiny inline specs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import redunDeliv from '../../examples/ldfi-paper/redun-deliv.js';
import retryDeliv from '../../examples/retry-deliv.js';
import simpleDeliv from '../../examples/simple-deliv.js';
import { type Context, defineSpec, describeFault, fact, type Process } from '../../src/index.js';
import { grossEstimate } from '../../src/ldfi/gross-estimate.js';
import { exhaustiveSearch } from '../../src/ldfi/strategies.js';
import { LdfiError, verify } from '../../src/ldfi/verify.js';

const faultsOf = (r: ReturnType<typeof verify>) =>
  r.counterexamples[0]?.faults.map(describeFault).sort();

describe('paper programs (Fig. 12 rows)', () => {
  test('simple-deliv at 4/2/0: counterexample O(a,b,1) in 2 runs, as Molly', () => {
    const r = verify(simpleDeliv, { eot: 4, eff: 2, crashes: 0 });
    assert.equal(r.verdict, 'counterexample');
    assert.equal(r.runs, 2);
    assert.deepEqual(faultsOf(r), ['O(a,b,1)']);
    assert.equal(r.combinations, 4096);
    assert.deepEqual(r.counterexamples[0]?.vanished, [['c', 'hello']]);
  });

  test('retry-deliv at 4/2/1: counterexample O(a,b,1) + C(a,2) in 2 runs (Molly: 3)', () => {
    // Molly's third run is C(a,1), vacuous (nobody but a logs); predicted vacuous, it goes last.
    const r = verify(retryDeliv, { eot: 4, eff: 2, crashes: 1 });
    assert.equal(r.verdict, 'counterexample');
    assert.equal(r.runs, 2);
    assert.deepEqual(faultsOf(r), ['C(a,2,send-omission)', 'O(a,b,1)']);
    assert.equal(r.combinations, 40704);
  });

  test('retry-deliv is verified without crashes (6/3/0 and 25/23/0)', () => {
    for (const p of [
      { eot: 6, eff: 3, crashes: 0 },
      { eot: 25, eff: 23, crashes: 0 },
    ]) {
      const r = verify(retryDeliv, p);
      assert.equal(r.verdict, 'verified', JSON.stringify(p));
      assert.equal(r.counterexamples.length, 0);
    }
  });

  test('symmetry b~c: the twin O(a,c,1)+C(a,2) is not run again', () => {
    const plain = verify(retryDeliv, { eot: 4, eff: 2, crashes: 1, findAll: true, symmetry: [] });
    const sym = verify(retryDeliv, {
      eot: 4,
      eff: 2,
      crashes: 1,
      findAll: true,
      symmetry: [['b', 'c']],
    });
    assert.equal(plain.counterexamples.length, 2);
    assert.equal(sym.counterexamples.length, 1);
    assert.ok(sym.runs < plain.runs, `${sym.runs} < ${plain.runs}`);
  });
});

test('grossEstimate reproduces the paper (Fig. 12 and 13)', () => {
  assert.equal(grossEstimate(3, 4, 2, 0), 4096);
  assert.equal(grossEstimate(3, 4, 2, 1), 40704);
  assert.equal(grossEstimate(3, 5, 3, 0), 262144);
  assert.equal(grossEstimate(4, 5, 0, 1), 24);
  assert.equal(grossEstimate(4, 8, 0, 1), 36);
  assert.equal(Number(grossEstimate(4, 9, 7, 1).toPrecision(3)), 2.43e26);
  assert.equal(Number(grossEstimate(5, 6, 4, 1).toPrecision(3)), 1.85e25);
  assert.equal(Number(grossEstimate(3, 11, 10, 1).toPrecision(3)), 8.07e18);
  assert.equal(Number(grossEstimate(3, 8, 7, 1).toPrecision(3)), 3.08e13);
});

describe('completeness cross-check against exhaustive search', () => {
  for (const [name, spec, params] of [
    ['simple-deliv 3/2/0', simpleDeliv, { eot: 3, eff: 2, crashes: 0 }],
    ['simple-deliv 3/2/1', simpleDeliv, { eot: 3, eff: 2, crashes: 1 }],
    ['retry-deliv 4/2/1', retryDeliv, { eot: 4, eff: 2, crashes: 1 }],
    ['retry-deliv 4/3/0', retryDeliv, { eot: 4, eff: 3, crashes: 0 }],
    ['retry-deliv 3/1/1', retryDeliv, { eot: 3, eff: 1, crashes: 1 }],
  ] as const) {
    test(`${name}: LDFI finds a counterexample iff exhaustive search does`, () => {
      const ldfi = verify(spec, params);
      const exhaustive = exhaustiveSearch(spec, params);
      assert.equal(ldfi.verdict === 'counterexample', exhaustive.counterexample !== undefined);
    });
  }
});

describe('bad input', () => {
  test('parameters out of range name the problem', () => {
    assert.throws(
      () => verify(retryDeliv, { eot: 0, eff: 0, crashes: 0 }),
      /EOT must be a whole tick >= 1/,
    );
    assert.throws(
      () => verify(retryDeliv, { eot: 3, eff: 4, crashes: 0 }),
      /EFF \(4\) must not exceed EOT \(3\)/,
    );
    assert.throws(
      () => verify(retryDeliv, { eot: 3, eff: 1, crashes: 3 }),
      /crashes \(3\) must be fewer than the nodes \(3\)/,
    );
  });

  test('a nondeterministic process is detected by replaying the failure-free run', () => {
    let calls = 0;
    class Flaky implements Process<string> {
      init(ctx: Context<string>): void {
        // Deliberately outside the context: state shared across runs makes runs differ.
        calls++;
        if (ctx.id === 'a') ctx.send('b', `hello ${calls}`);
      }
      receive(ctx: Context<string>, _from: string, msg: string): void {
        ctx.emit(fact('got', ctx.id, msg.length));
      }
      timer(): void {}
    }
    const spec = defineSpec<string>({
      name: 'flaky',
      nodes: ['a', 'b'],
      process: () => new Flaky(),
      time: { model: 'sync', eot: 3 },
      guarantees: {
        prePost: [
          {
            name: 'got',
            pre: (w) => w.facts('got').map((f) => f.args),
            post: (w) => w.facts('got').map((f) => f.args),
          },
        ],
      },
    });
    assert.throws(
      () => verify(spec, { eot: 3, eff: 2, crashes: 0 }),
      (e: unknown) => e instanceof LdfiError && /not deterministic/.test(e.message),
    );
  });

  test('a pre/post that throws is a clear error, not a verdict', () => {
    const spec = defineSpec({
      ...retryDeliv,
      guarantees: {
        prePost: [
          {
            name: 'broken',
            pre: () => {
              throw new Error('pre exploded');
            },
            post: () => [],
          },
        ],
      },
    });
    assert.throws(
      () => verify(spec, { eot: 4, eff: 2, crashes: 0 }),
      (e: unknown) =>
        e instanceof LdfiError &&
        /guarantee "broken.pre" threw: Error: pre exploded/.test(e.message),
    );
  });

  test('a solve cut short by the hypothesis limit gives "incomplete", never "verified"', () => {
    // redun-deliv is verified at 6/3/1 in 4 runs; with one hypothesis per solve it cannot be.
    assert.equal(verify(redunDeliv, { eot: 6, eff: 3, crashes: 1 }).verdict, 'verified');
    const r = verify(redunDeliv, { eot: 6, eff: 3, crashes: 1, hypothesesPerRunMax: 1 });
    assert.equal(r.verdict, 'incomplete');
    assert.match(r.reason ?? '', /stopped at 1 hypotheses/);
  });

  test('a spec with nothing to verify is refused', () => {
    const spec = defineSpec<string>({
      name: 'empty',
      nodes: ['a'],
      process: () => ({ init() {}, receive() {}, timer() {} }),
      time: { model: 'sync', eot: 2 },
    });
    assert.throws(() => verify(spec, { eot: 2, eff: 0, crashes: 0 }), /nothing to verify/);
  });
});
