/**
 * Goal: LDFI expands a good run on the faults that *acted* in it (every crash, each omission that
 * dropped a message), once per distinct such set (docs/design/ldfi.md, "Expanding on the faults
 * that acted"). The claim it rests on: dropping an omission that dropped nothing gives the same
 * run. Method: ack-deliv at 5/4/1, where a lost copy or ack changes which later copies are sent,
 * so hypotheses carry idle omissions; every such run is replayed with its acted faults only and
 * must give the same events and messages; two hypotheses with one acted set are expanded once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ackDeliv from '../../examples/ldfi-paper/ack-deliv.js';
import { describeFault, type Fault, runSimulation } from '../../src/index.js';
import { verify } from '../../src/ldfi/verify.js';

const params = { eot: 5, eff: 4, crashes: 1 };
const result = verify(ackDeliv, params);

/** The trace lines of a run without the header (which names the plan). */
function behaviour(faults: readonly Fault[]): string[] {
  const spec = { ...ackDeliv, time: { model: 'sync' as const, eot: params.eot } };
  const r = runSimulation(spec, { seed: 1, plan: { faults: [...faults] }, trace: true });
  return [...(r.trace?.toJsonLines() ?? [])].slice(1);
}

test('ack-deliv 5/4/1: still verified; some hypotheses carry omissions that dropped nothing', () => {
  assert.equal(result.verdict, 'verified');
  const idle = result.runLog.filter((r) => r.acted.length < r.faults.length);
  assert.ok(idle.length > 0, 'some run has an idle omission');
  for (const r of idle) {
    const acted = new Set(r.acted.map(describeFault));
    for (const f of r.faults) {
      if (!acted.has(describeFault(f))) assert.equal(f.kind, 'omission', 'only omissions idle');
    }
  }
});

test('a run with its acted faults only behaves exactly as with the whole hypothesis', () => {
  const idle = result.runLog.filter((r) => r.acted.length < r.faults.length).slice(0, 6);
  for (const r of idle) {
    assert.deepEqual(
      behaviour(r.acted),
      behaviour(r.faults),
      `run ${r.index}: ${r.faults.map(describeFault).join(' ')}`,
    );
  }
});

test('hypotheses with the same acted faults are expanded once', () => {
  const expandedBy = new Map<string, number>();
  let merged = 0;
  for (const r of result.runLog) {
    if (r.status !== 'good') continue;
    const key = r.acted.map(describeFault).sort().join(' ');
    const first = expandedBy.get(key);
    if (first === undefined) expandedBy.set(key, r.index);
    else {
      merged++;
      assert.equal(r.added, 0, `run ${r.index} repeats run ${first}'s acted faults`);
    }
  }
  assert.ok(merged > 0, 'some acted set is shared by two hypotheses');
});
