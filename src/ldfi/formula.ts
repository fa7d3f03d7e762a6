import { assert } from '../core/assert.js';
import type { Lineage } from '../lineage/lineage.js';

/**
 * Boolean formulas over fault variables, as a hash-consed DAG. They are *monotone* (no negation):
 * a formula says which fault sets prevent an outcome, and adding faults never un-prevents it.
 *
 * Variables are named as Molly prints them: `O(from,to,t)` an omission, `C(node,t)` a crash.
 */
export type Formula =
  | { readonly op: 'false' }
  | { readonly op: 'true' }
  | { readonly op: 'var'; readonly name: string }
  | { readonly op: 'and' | 'or'; readonly args: readonly Formula[] };

export const FALSE: Formula = { op: 'false' };
export const TRUE: Formula = { op: 'true' };

export function variable(name: string): Formula {
  return { op: 'var', name };
}

/** OR with constant folding and flattening. */
export function or(args: readonly Formula[]): Formula {
  const out: Formula[] = [];
  for (const a of args) {
    if (a.op === 'true') return TRUE;
    if (a.op === 'false') continue;
    if (a.op === 'or') for (const x of a.args) out.push(x);
    else out.push(a);
  }
  if (out.length === 0) return FALSE;
  return out.length === 1 ? (out[0] as Formula) : { op: 'or', args: dedupe(out) };
}

/** AND with constant folding and flattening. */
export function and(args: readonly Formula[]): Formula {
  const out: Formula[] = [];
  for (const a of args) {
    if (a.op === 'false') return FALSE;
    if (a.op === 'true') continue;
    if (a.op === 'and') for (const x of a.args) out.push(x);
    else out.push(a);
  }
  if (out.length === 0) return TRUE;
  return out.length === 1 ? (out[0] as Formula) : { op: 'and', args: dedupe(out) };
}

function dedupe(args: Formula[]): Formula[] {
  return [...new Set(args)];
}

/** Evaluates a monotone formula with the variables in `trueVars` set, memoised per node. */
export function evaluate(
  f: Formula,
  trueVars: ReadonlySet<string>,
  memo = new Map<Formula, boolean>(),
): boolean {
  switch (f.op) {
    case 'false':
      return false;
    case 'true':
      return true;
    case 'var':
      return trueVars.has(f.name);
  }
  const cached = memo.get(f);
  if (cached !== undefined) return cached;
  const value =
    f.op === 'and'
      ? f.args.every((a) => evaluate(a, trueVars, memo))
      : f.args.some((a) => evaluate(a, trueVars, memo));
  memo.set(f, value);
  return value;
}

/** Every variable name in a formula. */
export function variablesOf(
  f: Formula,
  out = new Set<string>(),
  seen = new Set<Formula>(),
): Set<string> {
  if (seen.has(f)) return out;
  seen.add(f);
  if (f.op === 'var') out.add(f.name);
  else if (f.op === 'and' || f.op === 'or') for (const a of f.args) variablesOf(a, out, seen);
  return out;
}

/** Molly's omission variable name. */
export function omissionVar(from: string, to: string, tick: number): string {
  return `O(${from},${to},${tick})`;
}

/** Molly's crash variable name. */
export function crashVar(node: string, tick: number): string {
  return `C(${node},${tick})`;
}

/** Parameters of the synchronous fault space. */
export interface SyncFaultSpace {
  /** End of time (last tick). */
  readonly eot: number;
  /** End of finite failures: omissions only at ticks t with 1 <= t < eff. */
  readonly eff: number;
  /** Whether crashes are allowed at all (the budget itself is a side constraint). */
  readonly crashes: number;
}

/**
 * Builds "the outcome is prevented" formulas from the lineage of a synchronous run (reference §2.3):
 * - a fact is prevented when every derivation (emission) is: AND;
 * - a derivation (event) is prevented when any premise is: OR;
 * - a message from s to r sent at t is prevented by `O(s,r,t)` (only if t < EFF), by `C(s,t')` for
 *   any t' from s's first send time up to t, or by preventing the event that sent it;
 * - a value read is prevented when every write supporting it is (AND over the equal writes);
 * - inputs from the environment, init, and absent-key reads cannot be prevented.
 */
export class KillFormulaBuilder {
  readonly #memoEvent = new Map<number, Formula>();
  readonly #memoMessage = new Map<number, Formula>();
  readonly #firstSend = new Map<string, number>();

  constructor(
    readonly lineage: Lineage,
    readonly space: SyncFaultSpace,
  ) {
    const trace = lineage.trace;
    for (let m = 0; m < trace.messageCount; m++) {
      const msg = trace.message(m);
      // Self-sends (Dedalus `@next`) are never lost and do not start a node's sending life.
      if (msg.sendEvent < 0 || msg.from === msg.to) continue;
      const first = this.#firstSend.get(msg.from);
      if (first === undefined || msg.sentAt < first) this.#firstSend.set(msg.from, msg.sentAt);
    }
  }

  /** First tick at which `node` sent anything in this run (Molly prunes earlier crash times). */
  firstSendTime(node: string): number | undefined {
    return this.#firstSend.get(node);
  }

  /** The fact `name(args)` is prevented. */
  fact(name: string, args: readonly (string | number | boolean | null)[]): Formula {
    const emissions = this.lineage.emissions(name, args);
    if (emissions.length === 0) return TRUE; // absent already
    return and(emissions.map((e) => this.event(e)));
  }

  /** Event `id` is prevented (does not happen, or happens without its outputs). */
  event(id: number): Formula {
    const cached = this.#memoEvent.get(id);
    if (cached !== undefined) return cached;
    const parts: Formula[] = [];
    for (const p of this.lineage.premises(id)) {
      switch (p.kind) {
        case 'message':
          parts.push(this.message(p.message));
          break;
        case 'timer':
          parts.push(this.#earlier(id, p.setter));
          break;
        case 'previous':
          parts.push(this.#earlier(id, p.event));
          break;
        case 'read':
          if (p.writers.length > 0) parts.push(and(p.writers.map((w) => this.#earlier(id, w))));
          break;
      }
    }
    const f = or(parts);
    this.#memoEvent.set(id, f);
    return f;
  }

  /** The formula of `premise`, an event that event `id` depends on. The lineage is acyclic because
   * premises are earlier events (a cycle would recurse forever), as the async builder asserts too. */
  #earlier(id: number, premise: number): Formula {
    assert(
      premise < id,
      'lineage premises precede their event',
      `event ${id} depends on event ${premise}`,
    );
    return this.event(premise);
  }

  /** Message `id` is prevented. */
  message(id: number): Formula {
    const cached = this.#memoMessage.get(id);
    if (cached !== undefined) return cached;
    const m = this.lineage.message(id);
    let f: Formula = FALSE;
    if (m.sendEvent >= 0) {
      const parts: Formula[] = [this.event(m.sendEvent)];
      if (m.from !== m.to) {
        const t = m.sentAt;
        if (t >= 1 && t < this.space.eff) parts.push(variable(omissionVar(m.from, m.to, t)));
        if (this.space.crashes > 0) {
          const first = this.#firstSend.get(m.from) ?? t;
          for (let c = Math.max(1, first); c <= t; c++) parts.push(variable(crashVar(m.from, c)));
        }
      }
      f = or(parts);
    }
    this.#memoMessage.set(id, f);
    return f;
  }
}
