import type { Fault } from '../../../src/index.js';

/** Molly's names for faults: `O(from,to,t)`, `C(node,t)`, sorted — how the reference and the
 * paper name counterexamples, so tests can compare with them directly. */
export function mollyNames(faults: readonly Fault[]): string[] {
  return faults
    .map((f) =>
      f.kind === 'omission'
        ? `O(${f.from},${f.to},${f.at})`
        : f.kind === 'crash'
          ? `C(${f.node},${f.at})`
          : f.kind,
    )
    .sort();
}
