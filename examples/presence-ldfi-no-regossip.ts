/**
 * presence-ldfi-no-regossip (a fixture with a bug): presence that gossips its state to a peer
 * only when it changed since the last send to that peer, and an empty heartbeat otherwise — an
 * "optimisation" that drops presence's re-gossip of the full state, with no acknowledgement to
 * make up for it. One lost message then loses an entry on that peer for good: `cadre verify` finds
 * it (e.g. `O(n1,n2,2)`: n2 never lists n1's k), while examples/presence-ldfi.ts — the same spec
 * with the real process — is verified within the same bounds.
 *
 *   npx cadre verify examples/presence-ldfi-no-regossip.ts     # COUNTEREXAMPLE
 */
import type { Context, NodeId, Process } from '../src/index.js';
import type { PresenceMsg } from '../src/stores/primitives/presence-process.js';
import { presenceLdfiSpec } from './presence-ldfi.js';

/** Wraps a presence node: a gossip whose state equals the last one sent to that peer goes out
 * as an empty state (still a heartbeat, so liveness is unaffected; merging it changes nothing). */
export class GossipOnChangeOnly implements Process<PresenceMsg> {
  readonly #inner: Process<PresenceMsg>;
  /** peer → the state last sent to it, as JSON (volatile, like the rest of presence). */
  readonly #lastSent = new Map<NodeId, string>();

  constructor(inner: Process<PresenceMsg>) {
    this.#inner = inner;
  }

  init(ctx: Context<PresenceMsg>): void {
    this.#lastSent.clear();
    this.#inner.init(this.#filtered(ctx));
  }

  receive(ctx: Context<PresenceMsg>, from: NodeId, msg: PresenceMsg): void {
    this.#inner.receive(this.#filtered(ctx), from, msg);
  }

  timer(ctx: Context<PresenceMsg>, name: string): void {
    this.#inner.timer(this.#filtered(ctx), name);
  }

  /** `ctx` with `send` rewriting unchanged gossip; every other member delegates. */
  #filtered(ctx: Context<PresenceMsg>): Context<PresenceMsg> {
    const send = (to: NodeId, msg: PresenceMsg): void => {
      if (msg.type !== 'gossip') {
        ctx.send(to, msg);
        return;
      }
      const state = JSON.stringify(msg.state);
      if (this.#lastSent.get(to) === state) {
        ctx.send(to, { ...msg, state: { entries: [], context: [] } });
        return;
      }
      this.#lastSent.set(to, state);
      ctx.send(to, msg);
    };
    return {
      id: ctx.id,
      peers: ctx.peers,
      nodes: ctx.nodes,
      storage: ctx.storage,
      memory: ctx.memory,
      history: ctx.history,
      now: () => ctx.now(),
      random: () => ctx.random(),
      send,
      setTimer: (name, afterMs) => ctx.setTimer(name, afterMs),
      cancelTimer: (name) => ctx.cancelTimer(name),
      emit: (f) => ctx.emit(f),
      buggify: (site) => ctx.buggify(site),
      log: (note) => ctx.log(note),
    };
  }
}

export default presenceLdfiSpec({
  name: 'presence-ldfi-no-regossip',
  wrap: (inner) => new GossipOnChangeOnly(inner),
});
