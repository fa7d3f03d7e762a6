import { type FactRecord, factKey } from '../core/fact.js';
import type { NodeId } from '../core/ids.js';
import { type Tuple, tupleKey } from '../core/value.js';

/**
 * The facts a run emitted, in order, indexed by relation name and by canonical key. Every
 * emission is kept, repeats included: a repeated emission is another derivation of the same fact.
 */
export class FactLog {
  readonly all: FactRecord[] = [];
  readonly #byName = new Map<string, FactRecord[]>();
  readonly #keys = new Set<string>();

  add(record: FactRecord): void {
    this.all.push(record);
    const list = this.#byName.get(record.name);
    if (list === undefined) this.#byName.set(record.name, [record]);
    else list.push(record);
    this.#keys.add(factKey(record));
  }

  facts(name?: string): readonly FactRecord[] {
    if (name === undefined) return this.all;
    return this.#byName.get(name) ?? [];
  }

  has(name: string, args: Tuple): boolean {
    return this.#keys.has(`${name}${tupleKey(args)}`);
  }

  /** Distinct facts per node, for summaries: `node -> ["log(\"b\",\"hello\")", …]`. */
  distinctByNode(): Map<NodeId, string[]> {
    const out = new Map<NodeId, Set<string>>();
    for (const f of this.all) {
      let set = out.get(f.node);
      if (set === undefined) out.set(f.node, (set = new Set()));
      set.add(`${f.name}(${f.args.map((a) => JSON.stringify(a)).join(',')})`);
    }
    return new Map([...out].map(([k, v]) => [k, [...v]]));
  }
}
