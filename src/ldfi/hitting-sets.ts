import Logic from 'logic-solver';
import { evaluate, type Formula, variablesOf } from './formula.js';

/** Side constraints of one enumeration. */
export interface HittingSetProblem {
  /** The monotone "outcome prevented" formula. */
  readonly formula: Formula;
  /** Variables already true (the faults of the current run: LDFI's seed). */
  readonly forced: ReadonlySet<string>;
  /** Variables that must stay false (e.g. other crash times of a node the seed crashed). */
  readonly forbidden: ReadonlySet<string>;
  /** Crash budget: `nodeOf(var)` names the node a crash variable crashes (undefined for other
   * variables); at most `max` distinct nodes may crash, counting the forced ones. */
  readonly crashBudget: {
    readonly nodeOf: (name: string) => string | undefined;
    readonly max: number;
  };
  /** Stop after this many sets (the verdict then says the search was incomplete). */
  readonly limit: number;
}

/** The minimal fault sets found (each excludes the forced variables). */
export interface HittingSets {
  readonly sets: readonly (readonly string[])[];
  /** True when `limit` cut the enumeration short. */
  readonly truncated: boolean;
}

/**
 * Enumerates every subset-minimal set of variables that, together with the forced ones, makes the
 * formula true within the crash budget: the minimal hitting sets of the outcome's supports.
 *
 * Method (deps.md §1, measured there at 50 minimal sets of a 2000-variable instance in 149 ms):
 * MiniSat (logic-solver) finds any model; a greedy pass in JS drops variables while the monotone
 * formula stays true, which yields a subset-minimal set; a blocking clause `¬x1 ∨ … ∨ ¬xk` then
 * excludes that set and all its supersets; repeat until unsatisfiable.
 */
export function enumerateMinimalHittingSets(problem: HittingSetProblem): HittingSets {
  const vars = [...variablesOf(problem.formula)].filter((v) => !problem.forced.has(v)).sort();
  const forced = problem.forced;
  if (evaluate(problem.formula, forced)) return { sets: [[]], truncated: false };
  const solver = new Logic.Solver();
  const names = new Map<string, string>();
  vars.forEach((v, i) => {
    names.set(v, `v${i}`);
  });
  const memo = new Map<Formula, Logic.Operand>();
  const toLogic = (f: Formula): Logic.Operand => {
    switch (f.op) {
      case 'false':
        return Logic.FALSE;
      case 'true':
        return Logic.TRUE;
      case 'var':
        return forced.has(f.name) ? Logic.TRUE : (names.get(f.name) as string);
    }
    let out = memo.get(f);
    if (out === undefined) {
      const args = f.args.map(toLogic);
      out = f.op === 'and' ? Logic.and(args) : Logic.or(args);
      memo.set(f, out);
    }
    return out;
  };
  solver.require(toLogic(problem.formula));
  for (const v of vars) if (problem.forbidden.has(v)) solver.forbid(names.get(v) as string);
  // Crash budget: the number of newly crashed nodes stays within what the forced crashes leave.
  const forcedNodes = new Set(
    [...forced].map(problem.crashBudget.nodeOf).filter((n) => n !== undefined),
  );
  const crashVarsByNode = new Map<string, string[]>();
  for (const v of vars) {
    const node = problem.crashBudget.nodeOf(v);
    if (node === undefined || forcedNodes.has(node)) continue;
    const list = crashVarsByNode.get(node);
    if (list === undefined) crashVarsByNode.set(node, [names.get(v) as string]);
    else list.push(names.get(v) as string);
  }
  const room = problem.crashBudget.max - forcedNodes.size;
  if (crashVarsByNode.size > 0) {
    const crashed = [...crashVarsByNode.values()].map((list) => Logic.or(list));
    if (room <= 0) solver.forbid(crashed);
    else if (room < crashed.length)
      solver.require(Logic.lessThanOrEqual(Logic.sum(crashed), Logic.constantBits(room)));
  }
  const sets: string[][] = [];
  const byName = new Map([...names].map(([v, n]) => [n, v]));
  for (;;) {
    if (sets.length >= problem.limit) return { sets, truncated: true };
    const solution = solver.solve();
    if (solution === null) break;
    const chosen = solution
      .getTrueVars()
      .map((n) => byName.get(n))
      .filter((v): v is string => v !== undefined)
      .sort();
    const minimal = minimize(problem.formula, forced, chosen);
    sets.push(minimal);
    solver.require(Logic.or(minimal.map((v) => Logic.not(names.get(v) as string))));
  }
  return { sets, truncated: false };
}

/** Drops variables (in order) while the formula stays true: a subset-minimal satisfying set. */
export function minimize(
  formula: Formula,
  forced: ReadonlySet<string>,
  chosen: readonly string[],
): string[] {
  const current = new Set([...forced, ...chosen]);
  for (const v of chosen) {
    current.delete(v);
    if (!evaluate(formula, current)) current.add(v);
  }
  return chosen.filter((v) => current.has(v));
}
