/**
 * Dots and causal contexts (Almeida, Shoker and Baquero, "Delta State Replicated Data Types",
 * 2018, §6). A dot `(replica, counter)` names one event; a causal context is the set of dots a
 * replica has seen. It is kept compact: a version vector covers every counter up to `vv[r]`
 * contiguously, and a dot cloud holds the seen dots beyond a gap. Adding the missing dot folds the
 * cloud back into the vector.
 */

/** One event: the `counter`-th event of `replica`. */
export interface Dot {
  readonly replica: string;
  readonly counter: number;
}

/** A dot as one string (map keys). */
export function dotKey(dot: Dot): string {
  return `${dot.replica}\u0000${dot.counter}`;
}

/** A set of dots: version vector plus dot cloud. Mutable. */
export class CausalContext {
  /** replica → every counter in 1..vv is seen. */
  readonly #vv = new Map<string, number>();
  /** replica → counters seen beyond vv (never contiguous with it once compacted). */
  readonly #cloud = new Map<string, Set<number>>();

  /** Whether `dot` has been seen. */
  contains(dot: Dot): boolean {
    if (dot.counter <= (this.#vv.get(dot.replica) ?? 0)) return true;
    return this.#cloud.get(dot.replica)?.has(dot.counter) ?? false;
  }

  /** The next dot of `replica` (one past its version-vector entry), recorded as seen. Only the
   * replica itself calls this for itself, and its own dots are always contiguous. */
  next(replica: string): Dot {
    const counter = (this.#vv.get(replica) ?? 0) + 1;
    this.#vv.set(replica, counter);
    this.#compact(replica);
    return { replica, counter };
  }

  /** Records `dot` as seen. */
  add(dot: Dot): void {
    if (this.contains(dot)) return;
    let cloud = this.#cloud.get(dot.replica);
    if (cloud === undefined) {
      cloud = new Set();
      this.#cloud.set(dot.replica, cloud);
    }
    cloud.add(dot.counter);
    this.#compact(dot.replica);
  }

  /** Adds every dot of `other` (set union), in place. */
  join(other: CausalContext): void {
    for (const [replica, max] of other.#vv) {
      if (max > (this.#vv.get(replica) ?? 0)) this.#vv.set(replica, max);
      this.#compact(replica);
    }
    for (const [replica, counters] of other.#cloud) {
      for (const counter of counters) this.add({ replica, counter });
    }
  }

  /** A deep copy. */
  clone(): CausalContext {
    const copy = new CausalContext();
    copy.join(this);
    return copy;
  }

  /** The version vector part (contiguous prefix per replica). */
  get versionVector(): ReadonlyMap<string, number> {
    return this.#vv;
  }

  /** Number of dots held in the cloud (0 once everything is contiguous). */
  get cloudSize(): number {
    let n = 0;
    for (const s of this.#cloud.values()) n += s.size;
    return n;
  }

  /** Every seen dot as `replica:counter` strings, sorted — a canonical form for comparisons. */
  canonical(): string {
    const parts: string[] = [];
    const replicas = [...new Set([...this.#vv.keys(), ...this.#cloud.keys()])].sort();
    for (const r of replicas) {
      const vv = this.#vv.get(r) ?? 0;
      const cloud = [...(this.#cloud.get(r) ?? [])].sort((a, b) => a - b);
      if (vv > 0 || cloud.length > 0) parts.push(`${r}:${vv}+[${cloud.join(',')}]`);
    }
    return parts.join(' ');
  }

  /** Folds cloud counters that continue the vector into it. */
  #compact(replica: string): void {
    const cloud = this.#cloud.get(replica);
    if (cloud === undefined) return;
    let vv = this.#vv.get(replica) ?? 0;
    for (const c of [...cloud]) if (c <= vv) cloud.delete(c);
    while (cloud.has(vv + 1)) {
      vv++;
      cloud.delete(vv);
    }
    if (vv > 0) this.#vv.set(replica, vv);
    if (cloud.size === 0) this.#cloud.delete(replica);
  }
}
