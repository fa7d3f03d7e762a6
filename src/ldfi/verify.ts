import { type FactRecord, factKey } from '../core/fact.js';
import type { Fault, FaultPlan } from '../core/fault.js';
import { describeFault } from '../core/fault.js';
import type { PrePost } from '../core/guarantee.js';
import type { NodeId } from '../core/ids.js';
import { type Spec, withEndOfTime } from '../core/spec.js';
import { type Tuple, tupleKey } from '../core/value.js';
import { Lineage, type LineagePrecision } from '../lineage/lineage.js';
import type { RunResult } from '../sim/result.js';
import { runSimulation } from '../sim/simulator.js';
import type { Trace } from '../sim/trace.js';
import { AsyncKillFormulaBuilder } from './async-formula.js';
import { crashNodeOf, faultOfVar, faultsOfVars } from './fault-vars.js';
import {
  and,
  crashVar,
  evaluate,
  type Formula,
  KillFormulaBuilder,
  omissionVar,
  or,
  variable,
  variablesOf,
} from './formula.js';
import { grossEstimate } from './gross-estimate.js';
import { enumerateMinimalHittingSets } from './hitting-sets.js';
import { maskedView, type PostRoot, postKillSets, postRoots } from './outcome-roots.js';
import { canonicalKey } from './symmetry.js';

/** The bounds of the game (Molly's failure spec). */
export interface LdfiParams {
  /** End of time: the last tick (synchronous model), or the run's horizon in ms (asynchronous). */
  readonly eot: number;
  /** End of finite failures: omissions only at ticks 1 <= t < eff (synchronous); drops only of
   * messages sent before `eff` ms (asynchronous). */
  readonly eff: number;
  /** Most nodes that may crash (send-omission crashes in the synchronous model, crash-stops at
   * event boundaries in the asynchronous one). */
  readonly crashes: number;
}

/** Options of {@link verify}. */
export interface VerifyOptions extends LdfiParams {
  /** Keep going after the first counterexample and collect all. Default false. */
  readonly findAll?: boolean;
  /** Stop (verdict `incomplete`) after this many runs. Default 100,000. */
  readonly runsMax?: number;
  /** Most minimal fault sets taken from one solve. Default 100,000. */
  readonly hypothesesPerRunMax?: number;
  /** Groups of interchangeable nodes: fault sets equal up to a permutation within a group are run
   * once (reference §2.8). Default: the spec's `ldfi.symmetry`, else none. */
  readonly symmetry?: readonly (readonly NodeId[])[];
  /** Lineage precision. Default: the spec's `ldfi.precision`, else `tracked`. */
  readonly precision?: LineagePrecision;
  /** Molly's negative support (on by default, as in Molly). On: an outcome is taken to fall when
   * any fact its `post` read falls — complete also for `post` conditions with negation, where
   * losing one fact can let a competing one appear. Off: `post` is re-evaluated with sets of facts
   * hidden to find which must fall *together* (fewer runs; complete only for monotone `post`).
   * Default: the spec's `ldfi.negativeSupport`, else true. */
  readonly negativeSupport?: boolean;
  /** Called after each run (progress). */
  readonly onRun?: (progress: LdfiProgress) => void;
  /** Polled between runs; returning true stops the search (verdict `incomplete`). Lets callers
   * impose a wall-clock budget without putting a clock in the deterministic core. */
  readonly shouldStop?: () => boolean;
  /** Seed of every run (matters in the asynchronous model: latencies). Default 1. */
  readonly seed?: number;
}

/** Progress after one run. */
export interface LdfiProgress {
  readonly runs: number;
  readonly queued: number;
  readonly last: RunRecord;
}

/** One executed run of the game. */
export interface RunRecord {
  /** 0 for the failure-free run. */
  readonly index: number;
  readonly faults: readonly Fault[];
  /** `good`: every good outcome held (or `pre` vanished with it); `counterexample` otherwise. */
  readonly status: 'good' | 'counterexample';
  /** Hypotheses this run's lineage added to the queue. */
  readonly added: number;
  /** The faults that acted (synchronous model: every crash, and each omission that dropped a
   * message; otherwise all `faults`). A good run is expanded with these as the seed, once per
   * distinct set: a run whose acted set was already expanded adds nothing. */
  readonly acted: readonly Fault[];
}

/** A fault set that breaks a guarantee. */
export interface Counterexample {
  readonly faults: readonly Fault[];
  readonly result: RunResult;
  /** The guarantee broken and, for pre/post, the good outcomes that vanished. */
  readonly guarantee: string;
  readonly vanished: readonly Tuple[];
}

/** The answer of the game. */
export interface LdfiResult {
  readonly spec: string;
  readonly params: LdfiParams;
  readonly nodes: readonly NodeId[];
  /** `counterexample`: a fault set breaks a guarantee. `verified`: no fault set within the bounds
   * does. `incomplete`: the search stopped early (see `reason`) — never read it as verified. */
  readonly verdict: 'counterexample' | 'verified' | 'incomplete';
  readonly reason?: string;
  /** Runs executed, the failure-free run included (as Molly counts). */
  readonly runs: number;
  /** Size of the fault space exhaustive search would face: Molly's grossEstimate in the
   * synchronous model; in the asynchronous one an estimate from the failure-free run (subsets of
   * its droppable messages times crash choices at its event boundaries). */
  readonly combinations: number;
  readonly counterexamples: readonly Counterexample[];
  readonly runLog: readonly RunRecord[];
  /** Per pre/post guarantee, the failure-free run's `post` tuples. */
  readonly goodOutcomes: ReadonlyMap<string, readonly Tuple[]>;
  readonly failureFree: RunResult;
}

/** The seed of every run of the game unless the caller picks one (reproduce commands use it). */
export const LDFI_SEED = 1;

/** Thrown for parameters out of range, a nondeterministic process, or a spec LDFI cannot run. */
export class LdfiError extends Error {
  override readonly name = 'LdfiError';
}

/** Checks the bounds of the game against the spec; throws {@link LdfiError} naming the problem. */
export function checkParams(spec: Spec<unknown>, params: LdfiParams): void {
  const { eot, eff, crashes } = params;
  const where = `spec ${spec.name}`;
  if (spec.time.model === 'async') {
    if (!(eot > 0) || !Number.isFinite(eot)) {
      throw new LdfiError(`${where}: the horizon (EOT) must be > 0 ms, got ${eot}`);
    }
    if (!(eff >= 0)) throw new LdfiError(`${where}: EFF must be >= 0 ms, got ${eff}`);
  } else {
    if (!Number.isInteger(eot) || eot < 1) {
      throw new LdfiError(`${where}: EOT must be a whole tick >= 1, got ${eot}`);
    }
    if (!Number.isInteger(eff) || eff < 0) {
      throw new LdfiError(`${where}: EFF must be a whole tick >= 0, got ${eff}`);
    }
  }
  if (eff > eot) throw new LdfiError(`${where}: EFF (${eff}) must not exceed EOT (${eot})`);
  if (!Number.isInteger(crashes) || crashes < 0)
    throw new LdfiError(`${where}: crashes must be a whole number >= 0, got ${crashes}`);
  if (crashes >= spec.nodes.length) {
    throw new LdfiError(
      `${where}: crashes (${crashes}) must be fewer than the nodes (${spec.nodes.length})`,
    );
  }

  if (
    (spec.guarantees?.prePost ?? []).length === 0 &&
    (spec.guarantees?.invariants ?? []).length === 0
  ) {
    throw new LdfiError(
      `${where}: nothing to verify: the spec has no prePost guarantees and no invariants`,
    );
  }
}

/**
 * Lineage-driven fault injection (Alvaro et al., SIGMOD'15; reference §2): run failure-free, take
 * the good outcomes, and from the lineage of each good run derive the minimal fault sets that could
 * prevent them; run those (FIFO), and either a run breaks a guarantee (a counterexample, already
 * minimal) or its new lineage yields further hypotheses with its faults as the seed. An empty queue
 * means verified within (EOT, EFF, crashes).
 */
export function verify<M>(spec: Spec<M>, options: VerifyOptions): LdfiResult {
  const s = spec as Spec<unknown>;
  checkParams(s, options);
  const params: LdfiParams = { eot: options.eot, eff: options.eff, crashes: options.crashes };
  const sync = spec.time.model === 'sync';
  // Every run gets an explicit plan, so the spec's own plan and swarm draws are unused; keeping
  // the settings keeps buggify exactly as `cadre replay --plan --eot` runs it.
  const game = withEndOfTime(spec, params.eot);
  const seed = options.seed ?? LDFI_SEED;
  const symmetry = options.symmetry ?? spec.ldfi?.symmetry ?? [];
  const precision = options.precision ?? spec.ldfi?.precision ?? 'tracked';
  const negativeSupport = options.negativeSupport ?? spec.ldfi?.negativeSupport ?? true;
  const runsMax = options.runsMax ?? 100_000;

  const prePost = spec.guarantees?.prePost ?? [];

  const failureFree = runSimulation(game, { seed, plan: { faults: [] }, trace: true });
  if (failureFree.status === 'error')
    throw new LdfiError(`failure-free run failed: ${failureFree.error}`);
  const combinations = sync
    ? grossEstimate(spec.nodes.length, params.eot, params.eff, params.crashes)
    : asyncEstimate(failureFree, spec.nodes.length, params);
  const again = runSimulation(game, { seed, plan: { faults: [] }, trace: true });
  if (again.trace?.hash() !== failureFree.trace?.hash()) {
    throw new LdfiError(
      `spec ${spec.name}: the process is not deterministic: two failure-free runs gave different traces ` +
        '(does it use Date, Math.random, or iterate an unordered structure?)',
    );
  }
  const goodOutcomes = new Map<string, readonly Tuple[]>();
  const goodKeys = new Map<string, ReadonlySet<string>>();
  for (const g of prePost) {
    const tuples = failureFree.postTuples.get(g.name) ?? [];
    goodOutcomes.set(g.name, tuples);
    goodKeys.set(g.name, new Set(tuples.map(tupleKey)));
  }
  const runLog: RunRecord[] = [];
  const counterexamples: Counterexample[] = [];
  const explored = new Set<string>();
  /** Solves cut short by `hypothesesPerRunMax`: the search then cannot claim "verified". */
  let truncatedSolves = 0;
  const queue: string[][] = [];
  let head = 0;
  const base = {
    spec: spec.name,
    params,
    nodes: spec.nodes,
    combinations,
    goodOutcomes,
    failureFree,
  };

  const judge = (result: RunResult, faults: readonly Fault[]): Counterexample | undefined => {
    const v = result.violations[0];
    if (result.status !== 'fail' || v === undefined) return undefined;
    return { faults, result, guarantee: v.guarantee, vanished: v.missing ?? [] };
  };
  const expand = (result: RunResult, seedVars: readonly string[]): number => {
    const trace = result.trace;
    if (trace === undefined) return 0;
    const lineage = new Lineage(trace, precision);
    const builder = sync
      ? new KillFormulaBuilder(lineage, params)
      : new AsyncKillFormulaBuilder(lineage, {
          dropsBeforeMs: params.eff,
          crashes: params.crashes,
        });
    // Roots: the facts `post` rests on; a spec with invariants only roots at every fact emitted.
    const alive = new Set<string>();
    const rootFacts =
      prePost.length > 0 ? postRoots(prePost, result.world, alive) : distinctFacts(result);
    // A `post` that asked whether R crashed rests on R staying up (Molly's `notin crash(R, R, _)`):
    // crashing R may falsify it. The crash is placed at EOT, where it stops no message and so
    // changes nothing else; crash times that also stop messages come from the message leaves.
    const roots: PostRoot[] = [
      ...rootFacts.map((f) => ({ kind: 'fact' as const, fact: f })),
      ...(sync && params.crashes > 0
        ? [...alive].sort().map((node) => ({ kind: 'alive' as const, node }))
        : []),
    ];
    const killOf = (r: PostRoot): Formula =>
      r.kind === 'fact'
        ? builder.fact(r.fact.name, r.fact.args)
        : variable(crashVar(r.node, params.eot));
    // Which roots must fall together for a good `post` tuple to vanish (when few enough to find
    // by re-running `post`); otherwise any one root is taken as enough.
    const targets = new Map<string, ReadonlySet<string>>();
    for (const g of prePost) {
      const good = goodKeys.get(g.name) ?? new Set<string>();
      const now = (result.postTuples.get(g.name) ?? []).map(tupleKey).filter((k) => good.has(k));
      targets.set(g.name, new Set(now));
    }
    const killSets =
      prePost.length > 0 && !negativeSupport
        ? postKillSets(prePost, result.world, roots, targets)
        : undefined;
    const formula =
      killSets === undefined
        ? or(roots.map(killOf))
        : or(killSets.map((set) => and(set.map((i) => killOf(roots[i] as PostRoot)))));
    const forced = new Set(seedVars);
    const seedCrashed = new Set([...forced].map(crashNodeOf).filter((n) => n !== undefined));
    // Exactly one crash time per node: a node the seed crashed gets no other crash time.
    const forbidden = new Set(
      [...variablesOf(formula)].filter(
        (v) => !forced.has(v) && seedCrashed.has(crashNodeOf(v) ?? ''),
      ),
    );
    const found = enumerateMinimalHittingSets({
      formula,
      forced,
      forbidden,
      crashBudget: { nodeOf: crashNodeOf, max: params.crashes },
      limit: options.hypothesesPerRunMax ?? 100_000,
    });
    const sendTicks = sync ? sendTicksByNode(trace, params.eot) : undefined;
    if (found.truncated) truncatedSolves++;
    const candidates = found.sets
      .filter((set) => set.length > 0)
      .map((set) => {
        const fresh =
          sendTicks === undefined ? set : collapseCrashTimes(set, sendTicks, params.eot);
        return withoutSubsumedOmissions([...seedVars, ...fresh]).sort();
      });
    // Paper §4.3: a fault set that also falsifies every good `pre` tuple can only give a vacuous
    // run. Molly's snapshot runs them anyway; we keep them (completeness) but queue them after the
    // others of the same solve, predicted by hiding the facts each one prevents.
    const vacuous = new Map(
      candidates.map((h) => [
        h,
        prePost.length > 0 && predictsVacuous(h, builder, result, prePost, goodKeys),
      ]),
    );
    const fresh = candidates.sort(
      (a, b) =>
        Number(vacuous.get(a)) - Number(vacuous.get(b)) ||
        a.length - b.length ||
        (a.join() < b.join() ? -1 : a.join() > b.join() ? 1 : 0),
    );
    let added = 0;
    for (const h of fresh) {
      const key = canonicalKey(h, symmetry);
      if (explored.has(key)) continue;
      explored.add(key);
      queue.push(h);
      added++;
    }
    return added;
  };

  const ffCe = judge(failureFree, []);
  const ffAdded = ffCe === undefined ? expand(failureFree, []) : 0;
  const ffRecord: RunRecord = {
    index: 0,
    faults: [],
    status: ffCe ? 'counterexample' : 'good',
    added: ffAdded,
    acted: [],
  };
  runLog.push(ffRecord);
  options.onRun?.({ runs: 1, queued: queue.length - head, last: ffRecord });
  if (ffCe !== undefined) {
    return { ...base, verdict: 'counterexample', runs: 1, counterexamples: [ffCe], runLog };
  }
  explored.add(canonicalKey([], symmetry));
  /** Effective fault sets whose run was already expanded. */
  const expanded = new Set<string>([canonicalKey([], symmetry)]);
  while (head < queue.length) {
    if (runLog.length >= runsMax) {
      return {
        ...base,
        verdict: 'incomplete',
        reason: `run budget of ${runsMax} runs reached`,
        runs: runLog.length,
        counterexamples,
        runLog,
      };
    }
    if (options.shouldStop?.() === true) {
      return {
        ...base,
        verdict: 'incomplete',
        reason: 'stopped by the caller (time budget)',
        runs: runLog.length,
        counterexamples,
        runLog,
      };
    }
    const hypothesis = queue[head++] as string[];
    const faults = faultsOfVars(hypothesis);
    const plan: FaultPlan = { faults };
    const result = runSimulation(game, { seed, plan, trace: true, goodOutcomes: goodKeys });
    if (result.status === 'error') {
      throw new LdfiError(
        `run with faults ${faults.map(describeFault).join(' ')} failed: ${result.error}`,
      );
    }
    const ce = judge(result, faults);
    let added = 0;
    // Expand on the faults that acted (see effectiveFaults), once per distinct such set: two
    // hypotheses that differ only in faults that changed nothing gave the same run.
    const acted = sync ? effectiveFaults(hypothesis, result.trace) : hypothesis;
    if (ce === undefined) {
      const key = canonicalKey(acted, symmetry);
      if (!expanded.has(key)) {
        expanded.add(key);
        added = expand(result, acted);
      }
    }
    const record: RunRecord = {
      index: runLog.length,
      faults,
      status: ce ? 'counterexample' : 'good',
      added,
      acted: acted.length === hypothesis.length ? faults : faultsOfVars(acted),
    };
    runLog.push(record);
    options.onRun?.({ runs: runLog.length, queued: queue.length - head, last: record });
    if (ce !== undefined) {
      counterexamples.push(ce);
      if (options.findAll !== true) break;
    }
  }
  if (counterexamples.length === 0 && truncatedSolves > 0) {
    return {
      ...base,
      verdict: 'incomplete',
      reason: `${truncatedSolves} solve(s) stopped at ${options.hypothesesPerRunMax ?? 100_000} hypotheses`,
      runs: runLog.length,
      counterexamples,
      runLog,
    };
  }
  return {
    ...base,
    verdict: counterexamples.length > 0 ? 'counterexample' : 'verified',
    runs: runLog.length,
    counterexamples,
    runLog,
  };
}

/**
 * Drops each omission `O(s,r,t)` of a fault set whose sender also crashes at some `t' <= t` (a
 * send-omission crash already stops that message: the run is the same), as Molly's
 * `solutionToFailureSpec` does before checking `alreadyExplored`. Without it a seed's omissions
 * plus a new crash of their sender would be run again as a "new" hypothesis. Likewise keeps only a
 * node's earliest crash time (an `alive` root's crash at EOT next to an earlier crash of the same
 * node is the same run).
 */
function withoutSubsumedOmissions(vars: readonly string[]): string[] {
  const crashAt = new Map<string, number>();
  for (const v of vars) {
    const f = sendOmissionCrash(v);
    if (f !== undefined) crashAt.set(f.node, Math.min(f.at, crashAt.get(f.node) ?? f.at));
  }
  if (crashAt.size === 0) return [...vars];
  return vars.filter((v) => {
    // A node crashes once: a later crash time of a node that already crashed changes nothing.
    const c = sendOmissionCrash(v);
    if (c !== undefined) return c.at === crashAt.get(c.node);
    const f = faultOfVar(v);
    if (f.kind !== 'omission') return true;
    const at = crashAt.get(f.from);
    return at === undefined || at > f.at;
  });
}

/**
 * The faults of a synchronous hypothesis that acted in its run: every crash (`post` may ask
 * whether a node crashed), and each omission `O(s,r,t)` that dropped a message. An omission on a
 * channel that carried nothing at its tick changes nothing, so the run of the effective set is the
 * run of the hypothesis; expanding it with the effective set as the seed keeps every child a
 * subset of any counterexample that contains the hypothesis (docs/design/ldfi.md, "Expanding
 * on the faults that acted"), and merges hypotheses that differ only in idle omissions.
 */
function effectiveFaults(vars: readonly string[], trace: Trace | undefined): readonly string[] {
  if (trace === undefined) return vars;
  const dropped = new Set<string>();
  for (let m = 0; m < trace.messageCount; m++) {
    const msg = trace.message(m);
    if (msg.lostReason === 'omission') dropped.add(omissionVar(msg.from, msg.to, msg.sentAt));
  }
  return vars.filter((v) => faultOfVar(v).kind !== 'omission' || dropped.has(v));
}

/** The synchronous (send-omission) crash a variable stands for, if it is one. */
function sendOmissionCrash(v: string): { node: string; at: number } | undefined {
  const f = faultOfVar(v);
  return f.kind === 'crash' && f.mode === 'send-omission' ? { node: f.node, at: f.at } : undefined;
}

/** The tick at which a synchronous fault variable acts. */
function tickOf(v: string): number {
  const f = faultOfVar(v);
  return f.kind === 'drop' ? 0 : f.at;
}

/** Per node, the ticks (< EOT) at which it sent a message to another node in this run. */
function sendTicksByNode(trace: Trace, eot: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let m = 0; m < trace.messageCount; m++) {
    const msg = trace.message(m);
    if (msg.sendEvent < 0 || msg.from === msg.to || msg.sentAt >= eot) continue;
    const list = out.get(msg.from);
    if (list === undefined) out.set(msg.from, [msg.sentAt]);
    else if (list[list.length - 1] !== msg.sentAt) list.push(msg.sentAt);
  }
  return out;
}

/**
 * A send-omission crash of s at t stops exactly s's messages sent at ticks >= t. When s sends
 * nothing in [t, t') in this run and no other new fault of the set acts before t', crashing at t
 * and at t' give the same run, so the crash moves to t' (s's next send tick, or EOT) and the twins
 * become one hypothesis.
 */
function collapseCrashTimes(
  set: readonly string[],
  sendTicks: ReadonlyMap<string, number[]>,
  eot: number,
): string[] {
  return set.map((v) => {
    const c = sendOmissionCrash(v);
    if (c === undefined) return v;
    const { node, at } = c;
    const next = (sendTicks.get(node) ?? []).find((t) => t >= at) ?? eot;
    if (next === at) return v;
    const others = set.filter((w) => w !== v);
    return others.every((w) => tickOf(w) >= next) ? crashVar(node, next) : v;
  });
}

/** Whether hypothesis `h` is predicted to falsify every good `pre` tuple of the current run: the
 * facts whose every derivation `h` prevents are hidden, the nodes it crashes marked crashed, and
 * `pre` re-evaluated. A prediction only orders the queue; every hypothesis is still run. */
function predictsVacuous(
  h: readonly string[],
  builder: KillFormulaBuilder | AsyncKillFormulaBuilder,
  result: RunResult,
  prePost: readonly PrePost[],
  goodKeys: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  const on = new Set(h);
  const hidden = new Set<string>();
  for (const f of distinctFacts(result)) {
    if (evaluate(builder.fact(f.name, f.args), on)) hidden.add(factKey(f));
  }
  const down = new Set(h.map(crashNodeOf).filter((n): n is string => n !== undefined));
  const view = maskedView(result.world, hidden, down);
  return prePost.every((g) => {
    const good = goodKeys.get(g.name) ?? new Set<string>();
    for (const t of g.pre(view)) if (good.has(tupleKey(t))) return false;
    return true;
  });
}

/** Each distinct fact of a run, once. */
function distinctFacts(result: RunResult): FactRecord[] {
  const seen = new Set<string>();
  return result.facts.filter((f) => {
    const key = factKey(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Asynchronous fault-space estimate: 2^(messages droppable in the failure-free run) times the
 * ways to crash up to `crashes` nodes at one of their event boundaries. */
function asyncEstimate(run: RunResult, nodes: number, params: LdfiParams): number {
  const trace = run.trace;
  if (trace === undefined) return Number.NaN;
  let droppable = 0;
  for (let m = 0; m < trace.messageCount; m++) {
    const msg = trace.message(m);
    if (msg.sendEvent >= 0 && msg.from !== msg.to && msg.sentAt < params.eff) droppable++;
  }
  const boundaries = Math.max(1, trace.eventCount / Math.max(1, nodes));
  let crashChoices = 0;
  let binomial = 1;
  for (let c = 0; c <= params.crashes; c++) {
    crashChoices += binomial * boundaries ** c;
    binomial = (binomial * (nodes - c)) / (c + 1);
  }
  return 2 ** droppable * crashChoices;
}
