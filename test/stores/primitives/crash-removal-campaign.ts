/**
 * The campaign the presence-style suites share (presence, AP discovery): run seeds of a spec,
 * require no failure, and measure how long a crashed node's entries stayed listed on the others
 * (`crashRemovalDelays`), with a per-run hook for the suite's own counts.
 */
import assert from 'node:assert/strict';
import type { Spec } from '../../../src/index.js';
import { runCampaign } from '../../../src/sim/campaign.js';
import type { RunResult } from '../../../src/sim/result.js';
import { crashRemovalDelays } from '../../../src/stores/primitives/presence-guarantees.js';

/** What the campaign measured. */
export interface CrashRemovalCampaign {
  /** Crash-removal delays, sorted, virtual ms. */
  readonly delays: readonly number[];
  readonly p50Ms: number;
  readonly maxMs: number;
  /** Wall time of the campaign, s. */
  readonly wallS: number;
}

/** Runs seeds 1..`seeds` of `spec`, asserts every seed passes and every crashed node's entries
 *  left the other lists, and returns the removal delays. `onRun` sees each run. */
export function crashRemovalCampaign<M>(
  spec: Spec<M>,
  seeds: number,
  onRun: (r: RunResult) => void,
): CrashRemovalCampaign {
  const delays: number[] = [];
  const unremoved: string[] = [];
  const started = process.hrtime.bigint();
  const campaign = runCampaign(spec, {
    from: 1,
    to: seeds,
    onRun: (r) => {
      const m = crashRemovalDelays(r.plan, r.facts);
      delays.push(...m.delaysMs);
      unremoved.push(...m.unremoved.map((u) => `seed ${r.seed}: ${u}`));
      onRun(r);
    },
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  assert.equal(campaign.runs, seeds);
  assert.deepEqual(
    campaign.failures.map((f) => `seed ${f.seed}: ${f.summary}`),
    [],
  );
  assert.deepEqual(unremoved, []);
  delays.sort((a, b) => a - b);
  return {
    delays,
    p50Ms: delays[Math.floor(delays.length / 2)] ?? Number.NaN,
    maxMs: delays.at(-1) ?? Number.NaN,
    wallS,
  };
}
