/**
 * echo: the smallest client/server protocol, and the template for workload clients.
 *
 * Two servers echo every request back. Two workload clients (`spec.clients`) each issue one echo
 * at a time on a timer, pick a server at random, and record the operation in the history: `ok`
 * with the reply when it comes, `info` when the request times out (the server may or may not have
 * answered: a timeout says nothing about whether the operation happened). Late replies to an
 * operation already timed out are ignored, so a duplicated or clogged reply can never complete the
 * wrong operation.
 *
 * Guarantees: every `ok` echo returned exactly what its invocation sent (final check over the
 * history), and once the faults heal every client completes an echo again (liveness).
 */
import {
  type Context,
  defineSpec,
  type FinalCheck,
  type HistoryEvent,
  type Liveness,
  type NodeId,
  type Process,
  type WorldView,
} from '../src/index.js';

export type EchoMsg =
  | { readonly type: 'echo'; readonly id: number; readonly payload: string }
  | { readonly type: 'echo-reply'; readonly id: number; readonly payload: string };

/** The workload clients' node ids. */
export const CLIENTS: readonly NodeId[] = ['c1', 'c2'];
/** Safety phase length: faults act in [0, HORIZON_MS). */
export const HORIZON_MS = 1_000;
/** Pause between a client's operations (plus up to the same again at random, so the clients'
 * requests interleave differently per seed). */
const THINK_MS = 10;
/** Longer than a round trip even under the default 1–10 ms latency, so that a timeout in a
 * failure-free run would be a bug, yet short enough for many operations per run. */
const TIMEOUT_MS = 50;

/** A server: answers every request with the same payload. Stateless, so a crash loses nothing. */
export class EchoServer implements Process<EchoMsg> {
  init(_ctx: Context<EchoMsg>): void {}

  receive(ctx: Context<EchoMsg>, from: NodeId, msg: EchoMsg): void {
    if (msg.type !== 'echo') return;
    ctx.send(from, { type: 'echo-reply', id: msg.id, payload: msg.payload });
  }

  timer(_ctx: Context<EchoMsg>, _name: string): void {}
}

/** The operation a client has open, kept in tracked memory so lineage sees what it depends on. */
interface OpenOp {
  readonly handle: number;
  readonly id: number;
  readonly payload: string;
}

/** A workload client: one operation at a time (Jepsen's rule), each recorded in the history. */
export class EchoClient implements Process<EchoMsg> {
  init(ctx: Context<EchoMsg>): void {
    ctx.memory.set('next', 0);
    this.#think(ctx);
  }

  receive(ctx: Context<EchoMsg>, _from: NodeId, msg: EchoMsg): void {
    if (msg.type !== 'echo-reply') return;
    const op = ctx.memory.get<OpenOp>('open');
    // A reply to an operation that already timed out (or a duplicate) completes nothing.
    if (op === undefined || op.id !== msg.id) return;
    ctx.history.ok(op.handle, msg.payload);
    ctx.memory.delete('open');
    ctx.cancelTimer('timeout');
    this.#think(ctx);
  }

  timer(ctx: Context<EchoMsg>, name: string): void {
    if (name === 'issue') {
      const id = ctx.memory.get<number>('next') ?? 0;
      ctx.memory.set('next', id + 1);
      const payload = `${ctx.id}-${id}`;
      const handle = ctx.history.invoke('echo', payload);
      ctx.memory.set('open', { handle, id, payload } satisfies OpenOp);
      const server = ctx.nodes[Math.floor(ctx.random() * ctx.nodes.length)] as NodeId;
      ctx.send(server, { type: 'echo', id, payload });
      ctx.setTimer('timeout', TIMEOUT_MS);
    } else if (name === 'timeout') {
      const op = ctx.memory.get<OpenOp>('open');
      if (op === undefined) return;
      // Unknown outcome: the request or its reply may have been lost, or may still arrive.
      ctx.history.info(op.handle, op.payload);
      ctx.memory.delete('open');
      this.#think(ctx);
    }
  }

  #think(ctx: Context<EchoMsg>): void {
    ctx.setTimer('issue', THINK_MS + Math.floor(ctx.random() * THINK_MS));
  }
}

/** Every `ok` completion returned the payload its invocation sent. */
export const echoesMatch: FinalCheck = {
  name: 'echo-returns-what-was-sent',
  check(world: WorldView): string | undefined {
    for (const e of world.history) {
      if (e.type !== 'ok' || e.invokeIndex === undefined) continue;
      const invoke = world.history[e.invokeIndex] as HistoryEvent;
      if (invoke.value !== e.value) {
        return `${e.process} sent ${JSON.stringify(invoke.value)} (history #${invoke.index}) but got back ${JSON.stringify(e.value)} (#${e.index})`;
      }
    }
    return undefined;
  },
};

/** After the heal, every client gets an echo through: a request invoked after the heal is ok. */
export const clientsProgress: Liveness = {
  name: 'every-client-echoes-after-heal',
  holds(world: WorldView): boolean {
    const done = new Set<NodeId>();
    for (const e of world.history) {
      if (e.type !== 'ok' || e.invokeIndex === undefined) continue;
      const invoke = world.history[e.invokeIndex] as HistoryEvent;
      if (invoke.time >= HORIZON_MS) done.add(e.process);
    }
    return CLIENTS.every((c) => done.has(c));
  },
};

export default defineSpec<EchoMsg>({
  name: 'echo',
  description: 'Two echo servers, two workload clients recording a history.',
  nodes: ['s1', 's2'],
  process: () => new EchoServer(),
  clients: { ids: CLIENTS, process: () => new EchoClient() },
  time: { model: 'async', horizonMs: HORIZON_MS },
  guarantees: { final: [echoesMatch], liveness: [clientsProgress] },
  // Every fault kind: the servers keep no state, so none of them may break an echo, only delay it.
  faults: { swarm: true, livenessBoundMs: 1_000 },
});
