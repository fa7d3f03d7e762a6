import { checkedFact } from '../core/context-args.js';
import type { Fact } from '../core/fact.js';
import type { HistoryRecorder, OpValue } from '../core/history.js';
import type { NodeId } from '../core/ids.js';
import type { Context, Process } from '../core/process.js';
import type { Prng } from './prng.js';
import type { SimDisk } from './sim-disk.js';
import type { SimMemory } from './sim-memory.js';

/** What a node's context needs from the simulator. Kept narrow so the context stays a thin shim. */
export interface SimHost<M> {
  readonly nodeIds: readonly NodeId[];
  send(node: SimNode<M>, to: NodeId, msg: M): void;
  setTimer(node: SimNode<M>, name: string, afterMs: number): void;
  cancelTimer(node: SimNode<M>, name: string): void;
  emit(node: SimNode<M>, fact: Fact): void;
  nodeNow(node: SimNode<M>): number;
  buggify(site: string): boolean;
  note(node: SimNode<M>, text: string): void;
  historyInvoke(node: SimNode<M>, f: string, value: OpValue): number;
  historyComplete(
    node: SimNode<M>,
    handle: number,
    type: 'ok' | 'fail' | 'info',
    value: OpValue,
  ): void;
  /** Throws unless `node` is running a handler right now. */
  checkInHandler(node: SimNode<M>, what: string): void;
}

/** Per-node clock skew (fault `clock`). */
export interface NodeClock {
  offsetMs: number;
  driftPpm: number;
  since: number;
}

/** One simulated node: its process incarnation, state containers and fault status. */
export class SimNode<M> {
  /** `up`: running; `down`: crashed, awaiting restart; `stopped`: crash-stopped for good. */
  status: 'up' | 'down' | 'stopped' = 'up';
  /** Incremented at every crash so timers of an earlier incarnation never fire. */
  incarnation = 0;
  /** Send-omission crash (Molly): from this time on, nothing the node sends leaves. */
  sendsBlockedFrom = Number.POSITIVE_INFINITY;
  crashedEver = false;
  /** Pending timers: name → generation of the live arming. */
  readonly timers = new Map<string, number>();
  /** Pending timers: name → the event that armed it (lineage). */
  readonly timerCause = new Map<string, number>();
  timerGeneration = 0;
  clock: NodeClock = { offsetMs: 0, driftPpm: 0, since: 0 };
  /** Messages sent so far on each outgoing channel (index by destination), for drops by identity. */
  readonly channelSends: Int32Array;
  process!: Process<M>;
  ctx!: Context<M>;
  memory!: SimMemory;

  constructor(
    readonly index: number,
    readonly id: NodeId,
    readonly isClient: boolean,
    readonly disk: SimDisk,
    readonly random: Prng,
    nodeCount: number,
  ) {
    this.channelSends = new Int32Array(nodeCount);
  }
}

/** Builds the context a node's handlers see. Every method checks it is called inside a handler. */
export function createContext<M>(
  host: SimHost<M>,
  node: SimNode<M>,
  servers: readonly NodeId[],
): Context<M> {
  const peers = servers.filter((n) => n !== node.id);
  const openOps = new Set<number>();
  const history: HistoryRecorder = {
    invoke(f: string, value: OpValue): number {
      host.checkInHandler(node, 'history.invoke');
      // Jepsen's rule, as HistoryRecorder documents: a client has one operation open at a time.
      if (openOps.size > 0) {
        throw new TypeError(
          `history.invoke: operation ${[...openOps][0]} is still open on ${node.id} (one at a time)`,
        );
      }
      const handle = host.historyInvoke(node, f, value);
      openOps.add(handle);
      return handle;
    },
    ok: (handle, value) => complete(handle, 'ok', value),
    fail: (handle, value = null) => complete(handle, 'fail', value),
    info: (handle, value = null) => complete(handle, 'info', value),
  };
  function complete(handle: number, type: 'ok' | 'fail' | 'info', value: OpValue): void {
    host.checkInHandler(node, `history.${type}`);
    if (!openOps.delete(handle)) {
      throw new TypeError(`history.${type}: operation ${handle} is not open on ${node.id}`);
    }
    host.historyComplete(node, handle, type, value);
  }
  return {
    id: node.id,
    peers,
    nodes: servers,
    now: () => host.nodeNow(node),
    random: () => {
      host.checkInHandler(node, 'random');
      return node.random.next();
    },
    send: (to, msg) => host.send(node, to, msg),
    setTimer: (name, afterMs) => host.setTimer(node, name, afterMs),
    cancelTimer: (name) => host.cancelTimer(node, name),
    storage: node.disk,
    memory: node.memory,
    emit: (f) => host.emit(node, checkedFact(f)),
    buggify: (site) => host.buggify(site),
    history,
    log: (text) => host.note(node, String(text)),
  };
}
