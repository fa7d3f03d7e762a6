/**
 * The leader's view of one follower (etcd's tracker.Progress). Flow control:
 * - `probe`: one append in flight at a time (until answered or a heartbeat response arrives),
 *   used while the follower's log position is unknown;
 * - `replicate`: appends are pipelined, optimistically advancing `next`; at most
 *   `inflightMax` unacknowledged appends in flight;
 * - `snapshot`: a snapshot was sent; nothing more until it is acknowledged.
 */
export class Progress {
  match = 0;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** Probe: an append is outstanding. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Last index of each append in flight (replicate state), oldest first. */
  readonly inflights: number[] = [];

  constructor(
    next: number,
    readonly inflightMax: number,
  ) {
    this.next = next;
  }

  /** No more appends now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.length >= this.inflightMax;
      case 'snapshot':
        return true;
    }
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.length = 0;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.length = 0;
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.inflights.length = 0;
  }

  /** An append of entries up to `last` was sent. */
  sent(last: number, entries: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        this.next = last + 1;
        this.inflights.push(last);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** The follower acknowledged up to `index`; false when the answer is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflights.length > 0 && (this.inflights[0] as number) <= index)
      this.inflights.shift();
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`, its last index being `hint`. Returns false when
   * the rejection is stale (for an append we no longer care about).
   */
  maybeDecrease(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(rejected, hint + 1));
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(1, Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
