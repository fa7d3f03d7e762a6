import type { NodeId } from './ids.js';
import { isValue, type Tuple, tupleKey, type Value } from './value.js';

/**
 * An observable outcome, e.g. `log("b", "hello")`: a relation name and a tuple of values. Facts are
 * what pre/post conditions, invariants and LDFI read. By convention (Molly's) the first argument
 * names the node the fact is about.
 */
export interface Fact {
  readonly name: string;
  readonly args: Tuple;
}

/** A fact as held in a run: which node emitted it, at what time, in which event. */
export interface FactRecord extends Fact {
  readonly node: NodeId;
  /** Virtual time of the emitting event (ticks or ms, per the time model). */
  readonly time: number;
  /** Trace id of the emitting event. */
  readonly eventId: number;
}

/** Builds a fact: `fact('log', 'b', 'hello')`. Throws on a non-scalar argument. */
export function fact(name: string, ...args: Value[]): Fact {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`fact name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  args.forEach((a, i) => {
    if (!isValue(a)) {
      throw new TypeError(
        `fact ${name}: argument ${i} must be a string, finite number, boolean or null, got ${String(a)}`,
      );
    }
  });
  return { name, args };
}

/** Canonical key of a fact: equal facts give equal keys. */
export function factKey(f: Fact): string {
  return `${f.name}${tupleKey(f.args)}`;
}

/** Renders a fact the way Molly prints tuples: `log("b","hello")`. */
export function formatFact(f: Fact): string {
  return `${f.name}(${f.args.map((a) => JSON.stringify(a)).join(',')})`;
}
