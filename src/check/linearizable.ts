import type { HistoryEvent } from '../core/history.js';
import type { AnyModel, ModelOp } from './model.js';
import { historyToOperations, type Operation } from './operations.js';

/** Options of {@link checkLinearizable}. Both budgets answer `unknown` when spent. */
export interface CheckOptions {
  /** Polled every 1,024 search steps; returning true stops the search with `unknown`. Inject a
   * wall-clock deadline here (the checker itself never reads a clock, to stay deterministic). */
  readonly shouldStop?: () => boolean;
  /** Most search steps (tries to linearise an operation, plus backtracks) over all partitions.
   * Default: unbounded. */
  readonly stepsMax?: number;
  /** Most memo entries (explored configurations) in one partition before answering `unknown`:
   * the memory bound. Each entry takes about 400 bytes (measured). Default
   * {@link MEMO_ENTRIES_DEFAULT}. */
  readonly memoMax?: number;
}

/** Default {@link CheckOptions.memoMax}: about 750 MB at worst (measured), inside Node's default heap. */
export const MEMO_ENTRIES_DEFAULT = 2_000_000;

/** `linearizable`, `not-linearizable`, or `unknown` (a budget ran out first). */
export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** The outcome for one partition (one key, for a partitioned model). */
export interface PartitionResult {
  /** The partition key (`''` for an unpartitioned model). */
  readonly key: string;
  readonly verdict: Verdict;
  /** When unknown: which budget ran out. */
  readonly spent?: 'steps' | 'stop' | 'memo';
  /** Ids of the operations searched in this partition (after dropping failed and no-op ones). */
  readonly ops: readonly number[];
  /** When linearizable: the linearisation found, as operation ids in order. Info operations
   * absent from it did not take effect in that linearisation. */
  readonly linearization?: readonly number[];
  /** When not linearizable: the longest partial linearisation the search reached, in order
   * (longest by operations with known results; the first found among equals). */
  readonly longest?: readonly number[];
  /** When not linearizable: the operation that could not be linearised after {@link longest}: its
   * return was reached while it could not take effect in any order of the pending operations. */
  readonly blocked?: number;
  /** When not linearizable: the model state after {@link longest}, described. */
  readonly stateAfterLongest?: string;
  /** Search steps spent on this partition. */
  readonly steps: number;
}

/** The verdict over all partitions, with the operations it refers to. */
export interface LinearizabilityResult {
  /** Not linearizable if any partition is not; else unknown if any is unknown. */
  readonly verdict: Verdict;
  /** The partitions checked, in order of first appearance. The search stops at the first
   * partition that is not linearizable (or when a budget runs out), so later ones may be absent. */
  readonly partitions: readonly PartitionResult[];
  /** Every operation of the history, indexed by id. */
  readonly ops: readonly Operation[];
  /** Operations dropped before the search: failed ones (they did not take effect) and those the
   * model calls no-ops (e.g. reads with unknown results). */
  readonly dropped: number;
  readonly steps: number;
}

/**
 * Checks a history (simulator or parsed) against `model`. See {@link checkOperations}.
 * Throws `HistoryError` for a malformed history.
 */
export function checkHistory(
  model: AnyModel,
  history: readonly HistoryEvent[],
  options: CheckOptions = {},
): LinearizabilityResult {
  return checkOperations(model, historyToOperations(history), options);
}

/**
 * Is there a total order of the operations that respects real time (an operation that returned
 * before another was called comes first) and is a legal sequential run of `model`? Failed
 * operations are left out (they did not take effect: for Jepsen's CAS register, a failed `cas` is
 * a completed operation that left the state unchanged, which constrains nothing). Operations with
 * unknown results may be linearised anywhere after their call, or not at all.
 *
 * The search is Wing–Gong's as improved by Lowe and Porcupine: operations are linearised
 * depth-first in call order, backtracking when a return is reached whose operation is not yet
 * linearised; (set of linearised operations, state) pairs already explored are memoised; and a
 * partitioned model's partitions are searched independently (P-compositionality).
 *
 * The memo is keyed by (the `ok` operations linearised, state). The `ok` set is a 96-bit Zobrist
 * hash (three 32-bit xor-sums of per-operation random words) rather than a bitset, so a key costs
 * O(1) memory; two distinct sets collide with probability 2⁻⁹⁶ per pair, far below any realistic
 * search size. Operations with unknown results are kept beside each key as the list of those
 * linearised, and a configuration is skipped when one already seen has the same key and a subset
 * of them (it can do everything the other can: an unknown operation never has to take effect).
 * Without that dominance rule each pending unknown operation doubles the search, which makes
 * illegal histories with timeouts exponentially slow to refute.
 */
export function checkOperations(
  model: AnyModel,
  ops: readonly Operation[],
  options: CheckOptions = {},
): LinearizabilityResult {
  ops.forEach((o, i) => {
    // Ids index the list (results refer to operations by id); an interval must not run backwards.
    if (o.id !== i)
      throw new RangeError(`operation at position ${i} has id ${o.id}: ids must be positions`);
    if (!(o.ret >= o.call))
      throw new RangeError(`operation ${i} returns (${o.ret}) before its call (${o.call})`);
  });
  const modelOps: ModelOp[] = ops.map((o) => ({ f: o.f, input: o.input, output: o.output }));
  const groups = new Map<string, number[]>();
  let dropped = 0;
  for (const op of ops) {
    const mop = modelOps[op.id] as ModelOp;
    if (op.status === 'fail' || model.isNoop?.(mop) === true) {
      dropped++;
      continue;
    }
    const key = model.partition === undefined ? '' : model.partition(mop);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(op.id);
  }
  const budget = {
    steps: 0,
    stepsMax: options.stepsMax ?? Number.POSITIVE_INFINITY,
    memoMax: options.memoMax ?? MEMO_ENTRIES_DEFAULT,
  };
  const partitions: PartitionResult[] = [];
  let verdict: Verdict = 'linearizable';
  for (const [key, ids] of groups) {
    const r = searchPartition(model, key, ids, ops, modelOps, budget, options.shouldStop);
    partitions.push(r);
    if (r.verdict !== 'linearizable') {
      verdict = r.verdict;
      break;
    }
  }
  return { verdict, partitions, ops, dropped, steps: budget.steps };
}

/** The empty unknown set, shared: most memo entries have it. */
const NONE = new Int32Array(0);

interface Budget {
  steps: number;
  readonly stepsMax: number;
  readonly memoMax: number;
}

/** Three 32-bit words per operation for the Zobrist hash, from a fixed mixer (deterministic). */
function zobrist(i: number, salt: number): number {
  let x = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca77)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function searchPartition(
  model: AnyModel,
  key: string,
  ids: readonly number[],
  ops: readonly Operation[],
  modelOps: readonly ModelOp[],
  budget: Budget,
  shouldStop: (() => boolean) | undefined,
): PartitionResult {
  const m = ids.length;
  // Entries: 2i is operation i's call, 2i+1 its return. Sorted by time, calls before returns at
  // equal times (closed intervals: touching operations are concurrent), then by operation.
  const order = new Int32Array(2 * m);
  for (let e = 0; e < 2 * m; e++) order[e] = e;
  const time = (e: number): number => {
    const op = ops[ids[e >> 1] as number] as Operation;
    return e & 1 ? op.ret : op.call;
  };
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  // Within a run of calls between two returns, their order carries no real-time meaning: try the
  // operation that returns first first. It is the likeliest to have taken effect first, so the
  // depth-first search backtracks less (unknown results, returning at infinity, come last).
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && ((order[end] as number) & 1) === 0) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end));
      run.sort((a, b) => time(a + 1) - time(b + 1) || a - b);
      order.set(run, start);
    }
    start = end + 1;
  }
  const isInfo = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    isInfo[i] = (ops[ids[i] as number] as Operation).status === 'ok' ? 0 : 1;
  }
  // A doubly linked list over entries; node 2m is the head sentinel; -1 is the end.
  const head = 2 * m;
  const next = new Int32Array(2 * m + 1);
  const prev = new Int32Array(2 * m + 1);
  let last = head;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = -1;
  const remove = (e: number) => {
    next[prev[e] as number] = next[e] as number;
    const n = next[e] as number;
    if (n !== -1) prev[n] = prev[e] as number;
  };
  const restore = (e: number) => {
    const n = next[e] as number;
    if (n !== -1) prev[n] = e;
    next[prev[e] as number] = e;
  };
  const z1 = new Uint32Array(m);
  const z2 = new Uint32Array(m);
  const z3 = new Uint32Array(m);
  let required = 0;
  for (let i = 0; i < m; i++) {
    z1[i] = zobrist(i, 1);
    z2[i] = zobrist(i, 2);
    z3[i] = zobrist(i, 3);
    if (isInfo[i] === 0) required++;
  }
  const stackOps = new Int32Array(m);
  const stackStates: unknown[] = new Array(m);
  let depth = 0;
  let state: unknown = model.init();
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  // Memo: key → the sets of unknown-result operations linearised with it (as lists).
  const memo = new Map<string, Int32Array[]>();
  const infoIn = new Uint8Array(m);
  const infoStack = new Int32Array(m);
  let infoDepth = 0;
  /** Whether a seen configuration with this key had a subset of the current unknown set. */
  const dominated = (bucket: readonly Int32Array[]): boolean => {
    for (const seen of bucket) {
      let subset = true;
      for (let k = 0; k < seen.length && subset; k++) subset = infoIn[seen[k] as number] === 1;
      if (subset) return true;
    }
    return false;
  };
  // The longest partial linearisation, kept incrementally: bestOps[0, valid) always equals the
  // stack's bottom, so a new best copies only what was pushed since the last one (copying the
  // whole stack at every new best is quadratic on long histories).
  const bestOps = new Int32Array(m);
  let bestDepth = -1;
  let bestOk = -1;
  let bestBlocked = -1;
  let bestState: unknown;
  let valid = 0;
  const startSteps = budget.steps;
  const stackIds = () => Array.from(stackOps.subarray(0, depth), (i) => ids[i] as number);
  const done = (verdict: Verdict, spent?: 'steps' | 'stop' | 'memo'): PartitionResult => {
    const steps = budget.steps - startSteps;
    if (verdict === 'linearizable') {
      return { key, verdict, ops: ids, linearization: stackIds(), steps };
    }
    if (verdict === 'unknown')
      return { key, verdict, ...(spent ? { spent } : {}), ops: ids, steps };
    return {
      key,
      verdict,
      ops: ids,
      longest: Array.from(bestOps.subarray(0, bestDepth), (i) => ids[i] as number),
      ...(bestBlocked >= 0 ? { blocked: bestBlocked } : {}),
      stateAfterLongest: model.describeState?.(bestState) ?? model.key(bestState),
      steps,
    };
  };
  if (required === 0) return done('linearizable');
  // Each configuration's candidates are the calls before the first remaining return. Pass 1 tries
  // those with known results, pass 2 those with unknown results: finding linearisations without
  // unknown operations first lets the dominance rule skip the variants that include them.
  let entry = next[head] as number;
  let pass = 1;
  for (;;) {
    budget.steps++;
    if (budget.steps > budget.stepsMax) return done('unknown', 'steps');
    if ((budget.steps & 1023) === 0 && shouldStop?.() === true) return done('unknown', 'stop');
    if (entry !== -1 && (entry & 1) === 0) {
      // A call: try to linearise its operation now.
      const i = entry >> 1;
      if ((pass === 1) === (isInfo[i] === 1)) {
        entry = next[entry] as number;
        continue;
      }
      const after = model.step(state, modelOps[ids[i] as number] as ModelOp);
      if (after !== undefined) {
        const info = isInfo[i] === 1;
        const n1 = info ? h1 : h1 ^ (z1[i] as number);
        const n2 = info ? h2 : h2 ^ (z2[i] as number);
        const n3 = info ? h3 : h3 ^ (z3[i] as number);
        const memoKey = `${n1},${n2},${n3}|${model.key(after)}`;
        if (info) infoIn[i] = 1;
        let bucket = memo.get(memoKey);
        if (bucket === undefined || !dominated(bucket)) {
          if (bucket === undefined) {
            if (memo.size >= budget.memoMax) return done('unknown', 'memo');
            memo.set(memoKey, (bucket = []));
          }
          if (info) infoStack[infoDepth++] = i;
          bucket.push(infoDepth === 0 ? NONE : infoStack.slice(0, infoDepth));
          stackOps[depth] = i;
          stackStates[depth] = state;
          depth++;
          state = after;
          h1 = n1;
          h2 = n2;
          h3 = n3;
          remove(entry);
          remove(entry + 1);
          if (!info && --required === 0) return done('linearizable');
          entry = next[head] as number;
          pass = 1;
          continue;
        }
        if (info) infoIn[i] = 0;
      }
      entry = next[entry] as number;
      continue;
    }
    // A return whose operation is not linearised (or, defensively, the end).
    // Longest by operations with known results: unknown ones need not have happened at all.
    if (depth - infoDepth > bestOk) {
      bestOk = depth - infoDepth;
      bestOps.set(stackOps.subarray(valid, depth), valid);
      valid = bestDepth = depth;
      bestBlocked = entry === -1 ? -1 : (ids[entry >> 1] as number);
      bestState = state;
    }
    if (pass === 1) {
      pass = 2;
      entry = next[head] as number;
      continue;
    }
    // Both passes done: backtrack.
    if (depth === 0) return done('not-linearizable');
    depth--;
    if (depth < valid) valid = depth;
    const i = stackOps[depth] as number;
    state = stackStates[depth];
    stackStates[depth] = undefined;
    if (isInfo[i] === 1) {
      infoIn[i] = 0;
      infoDepth--;
    } else {
      h1 ^= z1[i] as number;
      h2 ^= z2[i] as number;
      h3 ^= z3[i] as number;
      required++;
    }
    restore(2 * i + 1);
    restore(2 * i);
    pass = isInfo[i] === 1 ? 2 : 1;
    entry = next[2 * i] as number;
  }
}
