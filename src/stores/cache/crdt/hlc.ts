/**
 * Hybrid logical clocks (Kulkarni et al., 2014): a timestamp that follows physical time when
 * clocks are close, yet never goes backwards and always orders an event after every event it has
 * seen. The physical clock is injected (`physicalMs`), so the clock is pure and deterministic
 * under the simulator.
 *
 * Timestamps are totally ordered: by wall time, then the logical counter, then the node id. The
 * node id breaks ties deterministically, so two replicas that compare the same two timestamps
 * always agree which is larger — LWW never depends on who looks.
 */

/** A hybrid timestamp. */
export interface Hlc {
  /** The largest physical time seen, in ms. */
  readonly wallMs: number;
  /** Counts events within the same `wallMs`. */
  readonly logical: number;
  /** The node that made the timestamp: the final tie-breaker. */
  readonly node: string;
}

/** The smallest timestamp: below every timestamp a clock produces. */
export const ZERO_HLC: Hlc = { wallMs: 0, logical: 0, node: '' };

/** Total order: negative when `a < b`, zero when equal, positive when `a > b`. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** One node's hybrid clock. Mutable; each call advances it. */
export class HybridClock {
  #wallMs: number;
  #logical: number;
  readonly node: string;

  /** `last`: a timestamp this node issued before (e.g. restored from storage after a restart), so
   * the clock never goes below it. Default: none. */
  constructor(node: string, last?: Hlc) {
    this.node = node;
    this.#wallMs = last?.wallMs ?? 0;
    this.#logical = last?.logical ?? 0;
  }

  /** A fresh timestamp for a local event at physical time `physicalMs`: greater than every
   * timestamp this clock issued or observed. */
  now(physicalMs: number): Hlc {
    if (physicalMs > this.#wallMs) {
      this.#wallMs = physicalMs;
      this.#logical = 0;
    } else {
      this.#logical++;
    }
    return { wallMs: this.#wallMs, logical: this.#logical, node: this.node };
  }

  /** Takes in a remote timestamp (receive event), so later local timestamps order after it. */
  observe(remote: Hlc, physicalMs: number): void {
    const wall = Math.max(this.#wallMs, remote.wallMs, physicalMs);
    if (wall === this.#wallMs && wall === remote.wallMs) {
      this.#logical = Math.max(this.#logical, remote.logical);
    } else if (wall === remote.wallMs) {
      this.#logical = remote.logical;
    } else if (wall !== this.#wallMs) {
      this.#logical = 0;
    }
    this.#wallMs = wall;
  }

  /** The last timestamp issued or observed (for persisting across restarts). */
  get last(): Hlc {
    return { wallMs: this.#wallMs, logical: this.#logical, node: this.node };
  }
}
