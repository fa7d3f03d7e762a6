/**
 * Goal: the SAT-based enumeration returns exactly the subset-minimal satisfying sets of a monotone
 * formula, within the crash budget. Method: cross-check against brute force (every subset of the
 * variables, keep the minimal satisfying ones) on random small formulas (fast-check), plus
 * hand-made cases with known answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crashNodeOf } from '../../src/ldfi/fault-vars.js';
import { and, evaluate, type Formula, or, variable, variablesOf } from '../../src/ldfi/formula.js';
import { enumerateMinimalHittingSets } from '../../src/ldfi/hitting-sets.js';

const noBudget = { nodeOf: () => undefined, max: 0 };

function bruteForce(
  f: Formula,
  forced: ReadonlySet<string>,
  budget: { nodeOf: (v: string) => string | undefined; max: number },
): string[][] {
  const vars = [...variablesOf(f)].filter((v) => !forced.has(v)).sort();
  const sats: string[][] = [];
  for (let mask = 0; mask < 2 ** vars.length; mask++) {
    const set = vars.filter((_, i) => (mask & (1 << i)) !== 0);
    const crashed = new Set([...forced, ...set].map(budget.nodeOf).filter((n) => n !== undefined));
    if (crashed.size > budget.max) continue;
    if (evaluate(f, new Set([...forced, ...set]))) sats.push(set);
  }
  return sats
    .filter((s) => !sats.some((o) => o.length < s.length && o.every((v) => s.includes(v))))
    .map((s) => s.sort());
}

const canon = (sets: readonly (readonly string[])[]) =>
  sets.map((s) => [...s].sort().join(' ')).sort();

test('a support killed by any one of its premises', () => {
  // Two derivations: {O(a,b,1) or C(a,1)} and {O(a,c,1) or C(a,1)}: kill both.
  const f = and([
    or([variable('O(a,b,1)'), variable('C(a,1)')]),
    or([variable('O(a,c,1)'), variable('C(a,1)')]),
  ]);
  const got = enumerateMinimalHittingSets({
    formula: f,
    forced: new Set(),
    forbidden: new Set(),
    crashBudget: { nodeOf: crashNodeOf, max: 1 },
    limit: 100,
  });
  assert.deepEqual(canon(got.sets), ['C(a,1)', 'O(a,b,1) O(a,c,1)']);
  const noCrash = enumerateMinimalHittingSets({
    formula: f,
    forced: new Set(),
    forbidden: new Set(),
    crashBudget: { nodeOf: crashNodeOf, max: 0 },
    limit: 100,
  });
  assert.deepEqual(canon(noCrash.sets), ['O(a,b,1) O(a,c,1)']);
});

test('forced variables are the seed: results exclude them and respect the budget they use', () => {
  const f = and([
    or([variable('C(a,2)'), variable('O(a,b,1)')]),
    or([variable('C(b,1)'), variable('O(b,c,1)')]),
  ]);
  const got = enumerateMinimalHittingSets({
    formula: f,
    forced: new Set(['C(a,2)']),
    forbidden: new Set(),
    crashBudget: { nodeOf: crashNodeOf, max: 1 },
    limit: 100,
  });
  assert.deepEqual(canon(got.sets), ['O(b,c,1)']);
});

test('limit truncates and says so', () => {
  const f = or([variable('x1'), variable('x2'), variable('x3')]);
  const got = enumerateMinimalHittingSets({
    formula: f,
    forced: new Set(),
    forbidden: new Set(),
    crashBudget: noBudget,
    limit: 2,
  });
  assert.equal(got.sets.length, 2);
  assert.equal(got.truncated, true);
});

const formulaArb: fc.Arbitrary<Formula> = fc.letrec<{ f: Formula }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .constantFrom(
        'O(a,b,1)',
        'O(b,a,1)',
        'O(a,c,2)',
        'C(a,1)',
        'C(a,2)',
        'C(b,1)',
        'C(c,3)',
        'O(c,a,1)',
      )
      .map(variable),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map(and),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map(or),
  ),
})).f;

test('property: equals brute force on random monotone formulas, with and without crash budget', () => {
  fc.assert(
    fc.property(formulaArb, fc.integer({ min: 0, max: 2 }), (f, max) => {
      const budget = { nodeOf: crashNodeOf, max };
      const got = enumerateMinimalHittingSets({
        formula: f,
        forced: new Set(),
        forbidden: new Set(),
        crashBudget: budget,
        limit: 10_000,
      });
      assert.deepEqual(canon(got.sets), canon(bruteForce(f, new Set(), budget)));
    }),
    { numRuns: 300, seed: 42 },
  );
});
