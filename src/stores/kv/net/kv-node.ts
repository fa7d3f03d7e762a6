/**
 * One KV node on a real machine: the KV process (Raft + state machine) on a runtime NodeHost, and
 * the {@link KvBackend} a RESP front uses to reach it — one endpoint and client session per
 * connection, requests retried (same session and seq) until an answer or the deadline.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { NodeId } from '../../../core/ids.js';
import { NodeHost } from '../../../runtime/node-host.js';
import type { Address } from '../../../runtime/transport.js';
import type { ClientReply } from '../../raft/client-messages.js';
import type { KvCommand, KvQuery, KvResult } from '../commands.js';
import { type KvProcessOptions, type KvProcessStatus, type KvWire, kvProcess } from '../process.js';
import {
  type KvAdminRequest,
  type KvBackend,
  type KvNodeStatus,
  type KvSession,
  KvUnavailableError,
} from './kv-backend.js';

/** Options of {@link KvNode.start}. */
export interface KvNodeOptions {
  readonly id: NodeId;
  /** Node-to-node listen address (port 0: the OS picks). */
  readonly listen: Address;
  /** Every member's node-port address (this node's may be included). */
  readonly peers: Readonly<Record<NodeId, Address>>;
  /** LMDB directory of this node. */
  readonly dataDir: string;
  /** Shared secret of the node-to-node handshake. Default: none. */
  readonly secret?: string;
  /** Raft and KV tuning. Default: 20 ms ticks, elections after 10–20 ticks, heartbeats every 2,
   *  the log compacted every 10,000 entries by lazy snapshots. */
  readonly raft?: Omit<KvProcessOptions, 'onStatus'>;
  /** A request with no answer by then fails with `timeout`, in ms. Default 5,000. */
  readonly requestTimeoutMs?: number;
  /** Unanswered requests are sent again this often (same session and seq), in ms. Default 1,000. */
  readonly resendMs?: number;
  readonly logger?: Logger;
}

interface Pending {
  readonly resolve: (r: KvResult) => void;
  readonly reject: (e: Error) => void;
  readonly request: KvWire;
  readonly deadlineMs: number;
  timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
}

/** Default Raft settings on real machines: timing loose enough that a busy machine does not look
 *  like a dead leader; the log compacted every 10,000 entries without copying the key space (the
 *  KV state machine is durable in the node's LMDB: a copy of 20k keys blocked a node for 100–400
 *  ms), a lagging follower being sent a snapshot built at that moment. */
const RAFT_DEFAULTS = {
  tickMs: 20,
  electionTicks: 10,
  heartbeatTicks: 2,
  snapshotEntries: 10_000,
  lazySnapshots: true,
} as const;
/** Pause before asking again after "no leader" / "no quorum", in ms. */
const BACKOFF_MS = 50;

/** A running KV node. */
export class KvNode implements KvBackend {
  readonly id: NodeId;
  readonly host: NodeHost<KvWire>;
  readonly #options: KvNodeOptions;
  /** The status the process last reported from inside its handlers. */
  readonly #status: { current: KvProcessStatus };
  #nextEndpoint = 0;
  readonly #sessions = new Set<NodeSession>();

  private constructor(
    options: KvNodeOptions,
    host: NodeHost<KvWire>,
    status: { current: KvProcessStatus },
  ) {
    this.id = options.id;
    this.host = host;
    this.#options = options;
    this.#status = status;
  }

  /** Opens the node's store, joins the cluster and starts the KV process. */
  static async start(options: KvNodeOptions): Promise<KvNode> {
    const status = {
      current: {
        role: 'follower',
        term: 0,
        leader: undefined,
        commitIndex: 0,
        appliedIndex: 0,
        members: [],
      } as KvProcessStatus,
    };
    const host = await NodeHost.start<KvWire>({
      id: options.id,
      listen: options.listen,
      peers: options.peers,
      dataDir: options.dataDir,
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      process: kvProcess({
        ...RAFT_DEFAULTS,
        ...options.raft,
        onStatus: (_node, s) => {
          status.current = s;
        },
      }),
    });
    return new KvNode(options, host, status);
  }

  status(): KvNodeStatus {
    const s = this.#status.current;
    return {
      id: this.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      members: [...s.members],
    };
  }

  async admin(request: KvAdminRequest): Promise<void> {
    if (!this.host.nodes.includes(request.node)) {
      throw new Error(
        `${request.op} ${request.node}: not a node of this cluster's --peers (${this.host.nodes.join(', ')}); its address is unknown`,
      );
    }
    const id = `admin-${++this.#nextEndpoint}`;
    const endpoint = `kv-admin:${id}`;
    const msg: KvWire =
      request.op === 'transfer'
        ? { type: 'transfer-leader', to: request.node, id }
        : { type: 'conf-change', change: { op: request.op, node: request.node }, id };
    const reply = await new Promise<KvWire | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.#options.requestTimeoutMs ?? 5_000);
      const detach = this.host.attach(endpoint, (m) => {
        if (m.type !== 'admin-reply' || m.id !== id) return;
        clearTimeout(timer);
        detach();
        resolve(m);
      });
      this.host.deliver(endpoint, msg);
    });
    if (reply === undefined || reply.type !== 'admin-reply') {
      throw new KvUnavailableError('timeout', `${request.op} ${request.node}: no answer`);
    }
    if (reply.ok) return;
    if (reply.error === 'not-leader') {
      throw new KvUnavailableError('not-leader', 'not the leader', this.status().leader);
    }
    throw new Error(`${request.op} ${request.node} refused: ${reply.error ?? 'no reason given'}`);
  }

  openSession(): KvSession {
    const session = new NodeSession(this, `kv-client:${++this.#nextEndpoint}`, this.#options);
    this.#sessions.add(session);
    return session;
  }

  /** @internal */
  forget(session: NodeSession): void {
    this.#sessions.delete(session);
  }

  /** Closes every session and stops the node (flushes, closes sockets and storage). */
  async stop(): Promise<void> {
    for (const s of [...this.#sessions]) s.close();
    await this.host.stop();
  }
}

/** A client session over one endpoint of the node. */
class NodeSession implements KvSession {
  readonly #node: KvNode;
  readonly #endpoint: string;
  readonly #detach: () => void;
  readonly #timeoutMs: number;
  readonly #resendMs: number;
  /** Session name of writes (exactly-once); reads use `name#r`, which the session table never
   *  sees, with their own numbers. */
  #name: string;
  #seq = 0;
  #readSeq = 0;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  constructor(node: KvNode, endpoint: string, options: KvNodeOptions) {
    this.#node = node;
    this.#endpoint = endpoint;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#resendMs = options.resendMs ?? 1_000;
    this.#name = `${node.id}/${randomBytes(8).toString('hex')}`;
    this.#detach = node.host.attach(endpoint, (msg) => this.#onReply(msg));
  }

  bind(name: string, nextSeq: number): void {
    this.#name = name;
    this.#seq = nextSeq - 1;
  }

  propose(command: KvCommand): Promise<KvResult> {
    return this.#request({ type: 'propose', session: this.#name, seq: ++this.#seq, command });
  }

  read(query: KvQuery): Promise<KvResult> {
    return this.#request({ type: 'read', session: `${this.#name}#r`, seq: ++this.#readSeq, query });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new KvUnavailableError('closed', 'the connection closed before the answer came'));
    }
    this.#pending.clear();
    this.#node.forget(this);
  }

  #request(request: KvWire & { session: string; seq: number }): Promise<KvResult> {
    if (this.#closed) return Promise.reject(new KvUnavailableError('closed', 'session closed'));
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        request,
        deadlineMs: Date.now() + this.#timeoutMs,
        timer: undefined,
        lastError: undefined,
      };
      this.#pending.set(`${request.session}/${request.seq}`, pending);
      this.#send(pending, this.#resendMs);
    });
  }

  /** Hands the request to the process and arms the next resend (or the deadline). */
  #send(p: Pending, afterMs: number): void {
    this.#node.host.deliver(this.#endpoint, p.request);
    const left = p.deadlineMs - Date.now();
    p.timer = setTimeout(() => this.#retry(p), Math.max(1, Math.min(afterMs, left)));
  }

  #retry(p: Pending): void {
    const r = p.request as { session: string; seq: number };
    const key = `${r.session}/${r.seq}`;
    if (this.#pending.get(key) !== p) return;
    if (Date.now() >= p.deadlineMs) {
      this.#pending.delete(key);
      const why = p.lastError === undefined ? 'no answer' : `last answer: ${p.lastError}`;
      const what = p.request.type === 'propose' ? 'write' : 'read';
      p.reject(
        new KvUnavailableError('timeout', `${what} timed out after ${this.#timeoutMs} ms (${why})`),
      );
      return;
    }
    this.#send(p, this.#resendMs);
  }

  #onReply(msg: KvWire): void {
    if (msg.type !== 'reply') return;
    const reply = msg as ClientReply<KvResult>;
    const key = `${reply.session}/${reply.seq}`;
    const p = this.#pending.get(key);
    if (p === undefined) return; // an answer to a resend we already settled
    if (reply.ok) {
      this.#pending.delete(key);
      clearTimeout(p.timer);
      p.resolve(reply.result);
      return;
    }
    if (reply.error === 'not-leader' || reply.error === 'no-quorum' || reply.error === 'timeout') {
      // Transient (an election, a lost majority): ask again shortly, until the deadline.
      p.lastError = reply.error;
      clearTimeout(p.timer);
      const left = p.deadlineMs - Date.now();
      p.timer = setTimeout(() => this.#retry(p), Math.max(1, Math.min(BACKOFF_MS, left)));
      return;
    }
    this.#pending.delete(key);
    clearTimeout(p.timer);
    p.reject(new Error(reply.error));
  }
}
