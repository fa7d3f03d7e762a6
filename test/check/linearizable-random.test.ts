/**
 * The checker against histories with known verdicts by construction: generated from a sequential
 * execution (must pass; the witness it returns is replayed independently) and the same with one
 * read changed to a value never written (must fail); and differentially against a brute-force
 * checker on small arbitrary histories (fast-check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateHistory } from '../../src/check/generate-history.js';
import { checkHistory, checkOperations } from '../../src/check/linearizable.js';
import type { AnyModel } from '../../src/check/model.js';
import { kvModel } from '../../src/check/models/kv.js';
import { casRegisterModel, registerModel } from '../../src/check/models/register.js';
import { historyToOperations, type Operation } from '../../src/check/operations.js';
import type { HistoryEvent, OpValue } from '../../src/core/history.js';
import { Prng } from '../../src/sim/prng.js';
import { bruteForceLinearizable, witnessProblem } from './helpers.js';

const cases = [
  { workload: 'register', model: registerModel(), keys: 1 },
  { workload: 'cas-register', model: casRegisterModel(), keys: 1 },
  { workload: 'kv', model: kvModel(), keys: 4 },
] as const;

/** Changes one `ok` read (chosen by `seed`, away from the start) to return a value no one wrote. */
function mutateOneRead(
  history: readonly HistoryEvent[],
  seed: number,
  kv: boolean,
): HistoryEvent[] {
  const reads = history.filter((e) => e.type === 'ok' && e.f === 'read');
  const rng = new Prng(seed);
  const victim = reads[rng.int(Math.floor(reads.length / 2), reads.length - 1)] as HistoryEvent;
  const never: OpValue = 1_000_000;
  const value: OpValue = kv ? [(victim.value as OpValue[])[0] as OpValue, never] : never;
  return history.map((e) => (e === victim ? { ...e, value } : e));
}

function assertWitnesses(model: AnyModel, history: readonly HistoryEvent[]): void {
  const r = checkHistory(model, history);
  assert.equal(r.verdict, 'linearizable');
  for (const p of r.partitions) {
    assert.equal(witnessProblem(model, r.ops, p.ops, p.linearization ?? []), undefined);
  }
}

describe('linearizability: generated histories', () => {
  for (const c of cases) {
    it(`${c.workload}: sequential executions pass, with a valid witness`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        for (const infoRate of [0, 0.1]) {
          const h = generateHistory({ ...c, ops: 300, clients: 5, seed, infoRate });
          assertWitnesses(c.model, h);
        }
      }
    });

    it(`${c.workload}: one read of a value never written fails`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const h = generateHistory({ ...c, ops: 200, clients: 5, seed, infoRate: 0.02 });
        const bad = mutateOneRead(h, seed, c.workload === 'kv');
        const r = checkHistory(c.model, bad);
        assert.equal(r.verdict, 'not-linearizable', `seed ${seed}`);
        const p = r.partitions.find((x) => x.verdict === 'not-linearizable');
        const blocked = r.ops[p?.blocked ?? -1];
        assert.equal(blocked?.f, 'read', `seed ${seed}: the blocked op is a read`);
      }
    });
  }

  it('fast-check: any seed, client count and info rate gives a linearizable history', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        (seed, clients, infoRate) => {
          const h = generateHistory({ workload: 'cas-register', ops: 60, clients, seed, infoRate });
          return checkHistory(casRegisterModel(), h).verdict === 'linearizable';
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Small arbitrary register/CAS histories: random intervals, results and outcomes. */
const smallHistory = fc
  .array(
    fc.record({
      f: fc.constantFrom('read', 'write', 'cas'),
      a: fc.integer({ min: 0, max: 2 }),
      b: fc.integer({ min: 0, max: 2 }),
      call: fc.integer({ min: 0, max: 10 }),
      len: fc.integer({ min: 0, max: 6 }),
      status: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info'),
    }),
    { maxLength: 7 },
  )
  .map((raw): Operation[] =>
    raw.map((r, id) => {
      const status = r.f === 'read' && r.status === 'fail' ? 'ok' : r.status;
      const input: OpValue = r.f === 'read' ? null : r.f === 'write' ? r.a : [r.a, r.b];
      const output: OpValue | undefined =
        status !== 'ok' ? undefined : r.f === 'read' ? (r.a === 0 ? null : r.a) : input;
      return {
        id,
        process: `p${id}`,
        f: r.f,
        input,
        output,
        status,
        call: r.call,
        ret: status === 'info' ? Number.POSITIVE_INFINITY : r.call + r.len,
      };
    }),
  );

describe('linearizability: differential test against brute force', () => {
  it('agrees with trying every order on small CAS-register histories', () => {
    let illegal = 0;
    fc.assert(
      fc.property(smallHistory, (all) => {
        const fast = checkOperations(casRegisterModel(), all).verdict;
        const slow = bruteForceLinearizable(casRegisterModel(), all);
        if (!slow) illegal++;
        return fast === (slow ? 'linearizable' : 'not-linearizable');
      }),
      { numRuns: 5000 },
    );
    // The generator must produce both verdicts, or the comparison proves little.
    assert.ok(illegal > 100, `only ${illegal} illegal histories generated`);
  });

  it('its witness replays on small histories', () => {
    fc.assert(
      fc.property(smallHistory, (all) => {
        const r = checkOperations(casRegisterModel(), all);
        if (r.verdict !== 'linearizable') return true;
        const p = r.partitions[0];
        if (p === undefined) return true;
        return witnessProblem(casRegisterModel(), all, p.ops, p.linearization ?? []) === undefined;
      }),
      { numRuns: 1000 },
    );
  });

  it('is invariant under renaming processes and listing operations in another order', () => {
    fc.assert(
      fc.property(smallHistory, fc.integer(), (all, seed) => {
        const rng = new Prng(seed);
        const shuffled = [...all]
          .sort(() => rng.next() - 0.5)
          .map((o, id) => ({
            ...o,
            id,
            process: `q${o.process}`,
          }));
        const a = checkOperations(casRegisterModel(), all).verdict;
        return a === checkOperations(casRegisterModel(), shuffled).verdict;
      }),
      { numRuns: 500 },
    );
  });

  it('history events and operations agree', () => {
    const h = generateHistory({
      workload: 'cas-register',
      ops: 200,
      clients: 4,
      seed: 9,
      infoRate: 0.1,
    });
    const ops = historyToOperations(h);
    assert.equal(checkOperations(casRegisterModel(), ops).verdict, 'linearizable');
    assert.equal(ops.length, 200);
  });
});
