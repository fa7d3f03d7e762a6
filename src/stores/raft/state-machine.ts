import type { OrderedKV } from '../../storage/ordered-kv.js';

/** What a replicated state machine offers Raft. Deterministic: same commands in the same order give
 *  the same results and the same state on every replica. */
export interface StateMachine<C, Q, R> {
  /** Index of the last applied entry as persisted in storage (0 when none): after a restart Raft
   *  resumes applying after it. */
  appliedIndex(): number;
  /** Applies committed entry `index`. Its effects and the new applied index are written in one
   *  atomic batch. `timeMs` is the leader's clock when the entry was proposed (carried in the
   *  entry), so time-based logic (lease expiry) is deterministic across replicas. */
  apply(index: number, command: C, timeMs: number): R;
  /** Read-only query at the current applied state (used after ReadIndex confirms linearisability). */
  query(query: Q): R;
  /** The whole state as bytes, as of appliedIndex(). */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot taken at `index`. */
  restore(index: number, data: Uint8Array): void;
}

/** Builds the state machine over the node's durable storage (a subspace Raft does not use). */
export type StateMachineFactory<C, Q, R> = (storage: OrderedKV) => StateMachine<C, Q, R>;
