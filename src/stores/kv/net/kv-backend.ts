import type { KvCommand, KvQuery, KvResult } from '../commands.js';

/**
 * What the RESP command layer needs from the replicated store: a client session per connection
 * that proposes commands and runs linearisable reads, plus the node's Raft status. The real
 * implementation drives a Raft process on a runtime NodeHost ({@link ./node-backend.ts}); tests
 * may use an in-process one.
 */
export interface KvBackend {
  /** Opens a client session (one per RESP connection): its id and request numbers make retried
   *  writes apply once. */
  openSession(): KvSession;
  /** This node's view of the cluster, for INFO, ROLE and CLUSTER. */
  status(): KvNodeStatus;
  /** Asks this node, which must lead, to add or remove one voting member, or to hand leadership
   *  to `node`. Resolves once the leader accepted the request (a membership change takes effect
   *  when its entry applies); rejects with a {@link KvUnavailableError} `not-leader` on a
   *  follower, or an Error saying why the leader refused. */
  admin(request: KvAdminRequest): Promise<void>;
}

/** Operator requests: membership (one voter at a time) and leadership transfer. */
export type KvAdminRequest =
  | { readonly op: 'add' | 'remove'; readonly node: string }
  | { readonly op: 'transfer'; readonly node: string };

/** One client session. Requests may overlap (pipelining); each settles on its own. */
export interface KvSession {
  /** Replicates `command` and resolves with its result once applied. Rejects with a
   *  {@link KvUnavailableError} when the cluster cannot answer. */
  propose(command: KvCommand): Promise<KvResult>;
  /** A linearisable read (ReadIndex). Rejects like {@link propose}. */
  read(query: KvQuery): Promise<KvResult>;
  /** Names the session and the number of its next write (the TS client does, before each write,
   *  so that a write retried on another connection or node keeps its identity and applies once).
   *  Later writes number on from `nextSeq`. */
  bind(name: string, nextSeq: number): void;
  /** Ends the session: pending requests reject, later replies are dropped. */
  close(): void;
}

/** Raft status of the node serving a connection. */
export interface KvNodeStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  /** Known leader, or undefined during an election. */
  readonly leader: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** Voting members. */
  readonly members: readonly string[];
}

/** Why the cluster could not answer a request. `not-leader`: this node cannot serve it, try
 *  `leader`; `no-quorum`: no majority reachable; `timeout`: no outcome in time (a write may still
 *  apply); `closed`: the session was closed. */
export type KvUnavailableCode = 'not-leader' | 'no-quorum' | 'timeout' | 'closed';

/** A request the cluster could not answer. */
export class KvUnavailableError extends Error {
  override readonly name = 'KvUnavailableError';
  constructor(
    readonly code: KvUnavailableCode,
    message: string,
    /** The leader the node believes in, when known. */
    readonly leader?: string,
  ) {
    super(message);
  }
}
