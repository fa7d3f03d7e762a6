/**
 * LDFI on AP discovery (examples/discovery-ap-ldfi.ts: i1 registered on n1 and re-registered with
 * a new address at tick 3, i2 on n2; gossip every tick, down after 2 silent ticks, permanently
 * down after 3). Verified within (EOT 9, EFF 6, no crashes) and (EOT 8, EFF 4, one crash): every
 * live node lists every live instance at its latest address at EOT, every watch replays, and a
 * node crashed early enough has its instances gone from the other's list at EOT. The
 * guarantee is not vacuous: a link that stays cut past EFF breaks it. Run counts are printed
 * (quoted in docs/guide/discovery.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import discoveryApLdfi, { discoveryApLdfiSpec } from '../../../examples/discovery-ap-ldfi.js';
import { crashedEntriesListedAtEot } from '../../../examples/presence-ldfi.js';
import type { Fault } from '../../../src/core/fault.js';
import { verify } from '../../../src/ldfi/verify.js';
import { runSimulation } from '../../../src/sim/simulator.js';

describe('LDFI on AP discovery', () => {
  test('verified within EOT 9, EFF 6, no crashes', (t) => {
    const r = verify(discoveryApLdfi, { eot: 9, eff: 6, crashes: 0 });
    const line = `discovery-ap LDFI EOT 9 EFF 6 crashes 0: ${r.verdict} in ${r.runs} runs (fault space ${r.combinations})`;
    t.diagnostic(line);
    console.log(line);
    assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
    assert.ok(r.runs > 50, `LDFI explored ${r.runs} fault sets`);
    // The good outcomes include the re-registered address, on both nodes.
    const good = r.goodOutcomes.get('every-live-node-lists-every-live-instance') ?? [];
    assert.deepEqual(
      good.filter((g) => g[3] === 'i1').map((g) => `${g[0]} ${g[4]}`),
      ['n1 a:2', 'n2 a:2'],
    );
  });

  test('verified with one crash within EOT 8, EFF 4', (t) => {
    const spec = discoveryApLdfiSpec({ eot: 8, eff: 4, crashes: 1 });
    const r = verify(spec, {
      eot: 8,
      eff: 4,
      crashes: 1,
    });
    const line = `discovery-ap LDFI EOT 8 EFF 4 crashes 1: ${r.verdict} in ${r.runs} runs (fault space ${r.combinations})`;
    t.diagnostic(line);
    console.log(line);
    assert.equal(r.verdict, 'verified', r.counterexamples.map((c) => c.guarantee).join(', '));
    // A node crashed at tick <= 5 (= EOT - node timeout - 1) has its instances gone at EOT.
    const due = r.runLog.filter((run) => run.faults.some((f) => f.kind === 'crash' && f.at <= 5));
    t.diagnostic(`${due.length} runs crashed a node at tick <= 5: removal checked`);
    assert.ok(due.length > 5, `${due.length} runs crashed a node early enough to check removal`);
    assert.deepEqual(
      due.flatMap((run) => crashedEntriesListedAtEot(spec, run.faults, 2)),
      [],
    );
  });

  test('not vacuous: n1 -> n2 cut until EOT (past EFF) leaves i1 unlisted on n2', () => {
    const faults: Fault[] = [];
    for (let at = 1; at < 9; at++) faults.push({ kind: 'omission', from: 'n1', to: 'n2', at });
    const r = runSimulation(discoveryApLdfi, { seed: 1, plan: { faults } });
    assert.equal(r.status, 'fail');
    const v = r.violations.find((x) => x.guarantee === 'every-live-node-lists-every-live-instance');
    assert.ok(v !== undefined, JSON.stringify(r.violations));
    assert.deepEqual(v.missing, [['n2', 'web', 'n1', 'i1', 'a:2']]);
  });
});
