import { assert } from '../core/assert.js';
import type { Lineage } from '../lineage/lineage.js';
import { and, FALSE, type Formula, or, variable } from './formula.js';

/** Drop variable: the `index`-th message on channel from→to is lost. */
export function dropVar(from: string, to: string, index: number): string {
  return `D(${from},${to},${index})`;
}

/** Crash-stop variable: `node` stops at virtual time `time` (before its events at that time). */
export function stopVar(node: string, time: number): string {
  return `S(${node},${time})`;
}

/** Bounds of the asynchronous fault space. */
export interface AsyncFaultSpace {
  /** Drops only of messages sent before this time (ms). */
  readonly dropsBeforeMs: number;
  /** Crash budget (0: no crash variables at all). */
  readonly crashes: number;
}

/**
 * "Outcome prevented" formulas for the asynchronous model. Faults are drops of individual messages
 * (by identity: the k-th message on a channel) and crash-stops at event boundaries:
 * - a fact is prevented when every emission is (AND);
 * - an event on node n at time t is prevented by any of its premises, or by n stopping at any of
 *   its own event times t' <= t (crash-stop also stops receiving and computing);
 * - a message is prevented by dropping it (if sent before `dropsBeforeMs`) or by preventing the
 *   event that sent it.
 *
 * Unlike the synchronous model, removing a message can shift later timings (latencies are drawn
 * from one network stream), so message identities are stable only up to such shifts: the search
 * is a heuristic here, with no completeness claim.
 */
export class AsyncKillFormulaBuilder {
  readonly #memoEvent = new Map<number, Formula>();
  readonly #memoMessage = new Map<number, Formula>();
  /** One node per variable name, so that `and`/`or` dedupe repeated variables by identity: a chain
   * of events repeats its node's crash-stop variables at every link. */
  readonly #variables = new Map<string, Formula>();
  readonly #channelIndex: Int32Array;
  /** Per node, its event times in order (the crash boundaries). */
  readonly #times = new Map<string, number[]>();

  constructor(
    readonly lineage: Lineage,
    readonly space: AsyncFaultSpace,
  ) {
    const trace = lineage.trace;
    this.#channelIndex = new Int32Array(trace.messageCount);
    const counts = new Map<string, number>();
    for (let m = 0; m < trace.messageCount; m++) {
      const msg = trace.message(m);
      const channel = `${msg.from}>${msg.to}`;
      const k = counts.get(channel) ?? 0;
      counts.set(channel, k + 1);
      this.#channelIndex[m] = k;
    }
    for (let e = 0; e < trace.eventCount; e++) {
      const ev = lineage.event(e);
      if (ev.node === null || ev.kind === 'crash' || ev.kind === 'fault' || ev.kind === 'heal')
        continue;
      const list = this.#times.get(ev.node);
      if (list === undefined) this.#times.set(ev.node, [ev.time]);
      else if (list[list.length - 1] !== ev.time) list.push(ev.time);
    }
  }

  fact(name: string, args: readonly (string | number | boolean | null)[]): Formula {
    const emissions = this.lineage.emissions(name, args);
    if (emissions.length === 0) return { op: 'true' };
    return and(emissions.map((e) => this.event(e)));
  }

  /**
   * The formula of event `id`. Built bottom-up with an explicit stack rather than by recursion:
   * premises always point at earlier events, but a chain of them (a timer re-armed every tick, or
   * pcausal's previous-event premise) can be as long as the run, past the call stack's depth.
   */
  event(id: number): Formula {
    const cached = this.#memoEvent.get(id);
    if (cached !== undefined) return cached;
    const stack = [id];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as number;
      if (this.#memoEvent.has(top)) {
        stack.pop();
        continue;
      }
      const missing = this.#dependencies(top).filter((d) => !this.#memoEvent.has(d));
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      this.#memoEvent.set(top, this.#build(top));
    }
    return this.#memoEvent.get(id) as Formula;
  }

  #variable(name: string): Formula {
    let v = this.#variables.get(name);
    if (v === undefined) {
      v = variable(name);
      this.#variables.set(name, v);
    }
    return v;
  }

  /** The events whose formulas event `id`'s formula is made of. */
  #dependencies(id: number): number[] {
    const out: number[] = [];
    for (const p of this.lineage.premises(id)) {
      if (p.kind === 'message') {
        const m = this.lineage.message(p.message);
        if (m.sendEvent >= 0) out.push(m.sendEvent);
      } else if (p.kind === 'timer') out.push(p.setter);
      else if (p.kind === 'previous') out.push(p.event);
      else out.push(...p.writers);
    }
    for (const d of out)
      assert(d < id, 'lineage premises precede their event', `event ${id} depends on event ${d}`);
    return out;
  }

  /** Event `id`'s formula, once the formulas of its dependencies are memoised. */
  #build(id: number): Formula {
    const e = this.lineage.event(id);
    const parts: Formula[] = [];
    if (e.node !== null && this.space.crashes > 0) {
      for (const t of this.#times.get(e.node) ?? []) {
        if (t > e.time) break;
        parts.push(this.#variable(stopVar(e.node, t)));
      }
    }
    for (const p of this.lineage.premises(id)) {
      if (p.kind === 'message') parts.push(this.message(p.message));
      else if (p.kind === 'timer') parts.push(this.event(p.setter));
      else if (p.kind === 'previous') parts.push(this.event(p.event));
      else if (p.writers.length > 0) parts.push(and(p.writers.map((w) => this.event(w))));
    }
    return or(parts);
  }

  message(id: number): Formula {
    const cached = this.#memoMessage.get(id);
    if (cached !== undefined) return cached;
    const m = this.lineage.message(id);
    let f: Formula = FALSE;
    if (m.sendEvent >= 0) {
      const parts: Formula[] = [this.event(m.sendEvent)];
      if (m.from !== m.to && m.sentAt < this.space.dropsBeforeMs) {
        parts.push(this.#variable(dropVar(m.from, m.to, this.#channelIndex[id] as number)));
      }
      f = or(parts);
    }
    this.#memoMessage.set(id, f);
    return f;
  }
}
