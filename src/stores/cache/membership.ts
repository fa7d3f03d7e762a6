/**
 * Peer liveness as Phoenix.Tracker keeps it: a peer not heard from for `downAfterMs` is
 * temporarily down (skipped by gossip, still a member: its knowledge still holds back causal
 * stability, since it may come back with old state); after `permDownAfterMs` it is permanently
 * down (no longer a member: its acknowledgements and knowledge are dropped so tombstones can be
 * collected, and if it ever returns it must rejoin as a fresh replica). Pure: time is passed in.
 */
import type { NodeId } from '../../core/ids.js';

export type PeerStatus = 'up' | 'down' | 'perm-down';

export class Membership {
  readonly #lastHeard = new Map<NodeId, number>();
  readonly downAfterMs: number;
  readonly permDownAfterMs: number;

  /** Every peer starts as heard at `startMs` (assumed up until silent for `downAfterMs`). */
  constructor(
    peers: readonly NodeId[],
    startMs: number,
    downAfterMs: number,
    permDownAfterMs: number,
  ) {
    if (!(downAfterMs > 0) || !(permDownAfterMs > downAfterMs)) {
      throw new RangeError(
        `membership needs 0 < downAfterMs (${downAfterMs}) < permDownAfterMs (${permDownAfterMs})`,
      );
    }
    this.downAfterMs = downAfterMs;
    this.permDownAfterMs = permDownAfterMs;
    for (const p of peers) this.#lastHeard.set(p, startMs);
  }

  /** Records a message from `peer`; returns its status just before (so a caller can tell a
   * return from permanent-down). */
  heard(peer: NodeId, nowMs: number): PeerStatus {
    const before = this.status(peer, nowMs);
    if (this.#lastHeard.has(peer)) this.#lastHeard.set(peer, nowMs);
    return before;
  }

  /** When `peer` was last heard from (its start time if never), ms; undefined for a stranger. */
  lastHeardMs(peer: NodeId): number | undefined {
    return this.#lastHeard.get(peer);
  }

  status(peer: NodeId, nowMs: number): PeerStatus {
    const last = this.#lastHeard.get(peer);
    if (last === undefined) return 'perm-down';
    const silent = nowMs - last;
    if (silent >= this.permDownAfterMs) return 'perm-down';
    return silent >= this.downAfterMs ? 'down' : 'up';
  }

  /** Peers with a given status, in peer order. */
  peers(status: PeerStatus, nowMs: number): NodeId[] {
    return [...this.#lastHeard.keys()].filter((p) => this.status(p, nowMs) === status);
  }

  /** Peers that are members (up or temporarily down). */
  members(nowMs: number): NodeId[] {
    return [...this.#lastHeard.keys()].filter((p) => this.status(p, nowMs) !== 'perm-down');
  }
}
