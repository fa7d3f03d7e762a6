import type { NodeId } from '../../core/ids.js';

/**
 * The client protocol of a Raft process (see `raftProcess`). A client is any sender that is not a
 * server node: a simulated spec client, or an endpoint a server attached on a real node.
 */

/** Proposes `command`. Exactly once per (session, seq): a retried (session, seq) returns the first
 *  result without applying the command again. `seq` must grow within a session. */
export interface ProposeRequest<C> {
  readonly type: 'propose';
  /** Client session name (chosen by the client, unique per client). */
  readonly session: string;
  /** Request number within the session, ≥ 1. */
  readonly seq: number;
  readonly command: C;
}

/** A linearisable read, served after ReadIndex confirms the leader still leads. */
export interface ReadRequest<Q> {
  readonly type: 'read';
  readonly session: string;
  readonly seq: number;
  readonly query: Q;
}

/** A request from a client to a Raft node. */
export type ClientRequest<C, Q> = ProposeRequest<C> | ReadRequest<Q>;

/** Why a request failed. `not-leader`: ask `leader` (when known); `no-quorum`: the leader could
 *  not confirm leadership; `timeout`: no outcome in time (the write may still apply: retry with the
 *  same (session, seq)); any other string: the state machine or the request was at fault. */
export type ClientError = 'not-leader' | 'no-quorum' | 'timeout' | (string & {});

/** The reply to a request, sent to the endpoint that asked. */
export type ClientReply<R> =
  | {
      readonly type: 'reply';
      readonly session: string;
      readonly seq: number;
      readonly ok: true;
      readonly result: R;
    }
  | {
      readonly type: 'reply';
      readonly session: string;
      readonly seq: number;
      readonly ok: false;
      readonly error: ClientError;
      /** The leader this node believes in, when it knows one. */
      readonly leader?: NodeId;
    };
