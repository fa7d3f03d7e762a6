import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { Address } from './transport.js';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where the proxy listens. Default 127.0.0.1, port chosen by the OS. */
  readonly listen?: Address;
  /** Latency added to every chunk, each direction, in ms (order is kept). Default 0. */
  readonly delayMs?: number;
  /** The proxied protocol is Cadre's node link (u32-length-prefixed frames): enables
   * {@link FaultProxy.setMessageDropRate}. Default false (bytes pass untouched, any protocol). */
  readonly cadreFrames?: boolean;
}

/** One proxied connection: the client side, the target side, and the bytes held while stalled. */
interface Pair {
  readonly client: Socket;
  target: Socket | undefined;
}

/**
 * A TCP proxy that injects network faults between a client and one target, for real-process
 * tests (the node-to-node links here, RESP clients of the stores too):
 *
 * - {@link partition}: traffic stops both ways, as when packets vanish: bytes already in flight
 *   are held (not lost, not corrupted — TCP would retransmit them), readers stop (the senders'
 *   buffers fill), and new connections are accepted but not connected to the target. Whatever
 *   liveness checks the endpoints run then time out, as across a real partition. {@link heal}
 *   resumes everything that is still open and connects the waiting connections.
 * - {@link reset}: closes every current connection at once (connection-level fault).
 * - {@link setDelay}: adds latency to every chunk, both directions.
 * - {@link setMessageDropRate}: for Cadre node links only (length-prefixed msgpack frames), drops
 *   each data message frame with a probability; handshake and heartbeat frames always pass, so a
 *   lossy link stays up and only messages are lost, as in the simulator's `loss` fault.
 *
 * A directed partition needs one proxy per direction of a link: give each node its own address for
 * each peer (the node's `--peers` list), pointing at the proxy of that direction.
 */
export class FaultProxy {
  readonly #server: Server;
  readonly #target: Address;
  readonly #pairs = new Set<Pair>();
  #address: Address | undefined;
  #partitioned = false;
  #delayMs: number;
  #dropRate = 0;
  readonly #cadreFrames: boolean;
  /** Counters for tests and logs. */
  readonly stats = { connections: 0, bytesForwarded: 0, messagesDropped: 0 };

  private constructor(target: Address, options: FaultProxyOptions) {
    this.#target = target;
    this.#delayMs = options.delayMs ?? 0;
    this.#cadreFrames = options.cadreFrames === true;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Starts a proxy to `target`. */
  static async start(target: Address, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(target, options);
    const listen = options.listen ?? { host: '127.0.0.1', port: 0 };
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(listen.port, listen.host, () => resolve());
    });
    const bound = proxy.#server.address();
    if (bound === null || typeof bound === 'string') throw new Error('proxy has no address');
    proxy.#address = { host: listen.host, port: bound.port };
    return proxy;
  }

  /** Where clients connect. */
  get address(): Address {
    return this.#address as Address;
  }

  /** Whether a partition is in force. */
  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** Stops all traffic through the proxy until {@link heal}. */
  partition(): void {
    this.#partitioned = true;
    for (const p of this.#pairs) {
      p.client.pause();
      p.target?.pause();
    }
  }

  /** Ends the partition: open connections resume, waiting ones are connected to the target. */
  heal(): void {
    this.#partitioned = false;
    for (const p of this.#pairs) {
      if (p.target === undefined) this.#connectTarget(p);
      else {
        p.client.resume();
        p.target.resume();
      }
    }
  }

  /** Closes every current connection (clients see a reset). */
  reset(): void {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.target?.destroy();
    }
    this.#pairs.clear();
  }

  /** Sets the latency added to each chunk, in ms. */
  setDelay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`setDelay: ms must be >= 0, got ${ms}`);
    this.#delayMs = ms;
  }

  /** Drops Cadre data-message frames client→target with probability `p` (0 stops dropping). */
  setMessageDropRate(p: number): void {
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`setMessageDropRate: p must be in [0, 1], got ${p}`);
    if (!this.#cadreFrames)
      throw new TypeError('setMessageDropRate needs a proxy started with { cadreFrames: true }');
    this.#dropRate = p;
  }

  /** Closes the proxy and every connection through it. */
  async stop(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.stats.connections++;
    const pair: Pair = { client, target: undefined };
    this.#pairs.add(pair);
    client.on('error', () => {});
    client.on('close', () => {
      pair.target?.destroy();
      this.#pairs.delete(pair);
    });
    if (this.#partitioned) client.pause();
    else this.#connectTarget(pair);
  }

  #connectTarget(pair: Pair): void {
    const target = tcpConnect({ host: this.#target.host, port: this.#target.port, noDelay: true });
    pair.target = target;
    target.on('error', () => {});
    target.on('close', () => pair.client.destroy());
    const frames = this.#cadreFrames ? new FrameFilter((f) => this.#keep(f)) : undefined;
    pair.client.on('data', (chunk: Buffer) => {
      const out = frames === undefined ? chunk : frames.filter(chunk, this.#dropRate === 0);
      if (out.length > 0) this.#forward(out, target);
    });
    target.on('data', (chunk: Buffer) => this.#forward(chunk, pair.client));
    pair.client.resume();
  }

  #forward(chunk: Buffer, to: Socket): void {
    this.stats.bytesForwarded += chunk.length;
    if (this.#delayMs === 0) to.write(chunk);
    else setTimeout(() => to.writable && to.write(chunk), this.#delayMs);
  }

  /** Whether a complete frame payload passes the drop filter. */
  #keep(payload: Buffer): boolean {
    // A data message is a msgpack array (0x92 or 0x94 for its 2 or 4 fields) starting with 3.
    const isMessage = (payload[0] === 0x92 || payload[0] === 0x94) && payload[1] === 0x03;
    if (!isMessage || Math.random() >= this.#dropRate) return true;
    this.stats.messagesDropped++;
    return false;
  }
}

/** Splits a Cadre byte stream into frames (u32 length prefix) to drop whole frames only. */
class FrameFilter {
  #pending: Buffer = Buffer.alloc(0);

  constructor(readonly keep: (payload: Buffer) => boolean) {}

  /** Returns the bytes of the kept complete frames; a partial frame waits for more bytes. */
  filter(chunk: Buffer, passAll = false): Buffer {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const kept: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32BE(at);
      if (buf.length - at - 4 < length) break;
      const frame = buf.subarray(at, at + 4 + length);
      if (passAll || this.keep(frame.subarray(4))) kept.push(frame);
      at += 4 + length;
    }
    this.#pending = Buffer.from(buf.subarray(at));
    return kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept);
  }
}
