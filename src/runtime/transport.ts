import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import type { Logger } from 'pino';
import type { NodeId } from '../core/ids.js';
import { DEFAULT_FRAME_BYTES_MAX, encodeFrame, FrameDecoder, FrameError } from './frame-codec.js';
import { handshakeMac, macMatches, NONCE_BYTES, newNonce } from './handshake.js';
import type { DropReason, RuntimeMetrics } from './metrics.js';
import { RingQueue } from './ring-queue.js';
import {
  CHALLENGE,
  HELLO,
  MSG,
  PING,
  PONG,
  PROTOCOL_VERSION,
  ProtocolError,
  pack,
  packMessage,
  REJECT,
  readMessage,
  unpackFrame,
  WELCOME,
  type WireMessage,
} from './wire.js';

/** A TCP address. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/**
 * TLS settings (PEM text or bytes). Both sides present `cert`/`key`. With `ca`, each side verifies
 * the other's certificate against it (mutual TLS; the dialer also checks the peer's host name or IP
 * against the certificate). Without `ca` the link is encrypted but certificates are not verified:
 * the shared-secret handshake is then what authenticates peers.
 */
export interface TlsSettings {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca?: string | Buffer;
}

/** Tuning of the transport. Every field has a default. */
export interface TransportTuning {
  /** Largest frame payload accepted or sent, in bytes. Default 16 MiB. */
  readonly frameBytesMax?: number;
  /** Most messages queued per peer. When full, the oldest queued message is dropped (counted as
   * `queue-full`): protocols retry, and fresh messages (new terms, new heartbeats) are worth more
   * than stale ones after a long outage. Default 65,536. */
  readonly queueMessagesMax?: number;
  /** Most bytes queued per peer; same drop rule. Default 64 MiB. */
  readonly queueBytesMax?: number;
  /** Interval of liveness pings on an idle-or-busy link, in ms. Default 1000. */
  readonly heartbeatMs?: number;
  /** A connection silent for this long is closed (and the dialer reconnects), in ms. Default 5000. */
  readonly livenessTimeoutMs?: number;
  /** Time allowed for the handshake, in ms. Default 5000. */
  readonly handshakeTimeoutMs?: number;
  /** First reconnect delay, in ms; doubles per failed attempt, with jitter. Default 50. */
  readonly reconnectBaseMs?: number;
  /** Largest reconnect delay, in ms. Default 5000. */
  readonly reconnectMaxMs?: number;
}

/** Options of {@link Transport.start}. */
export interface TransportOptions extends TransportTuning {
  readonly id: NodeId;
  readonly listen: Address;
  readonly peers: Readonly<Record<NodeId, Address>>;
  /** Shared secret of the handshake; without it peers are accepted by node id alone. */
  readonly secret?: string;
  readonly tls?: TlsSettings;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  /** A message arrived from peer `from`. */
  onMessage(from: NodeId, message: WireMessage): void;
  /** A queued message was dropped (`traceId` as given to {@link Transport.send}). */
  onDrop?(to: NodeId, traceId: number, reason: DropReason): void;
}

/** Largest frame accepted before the peer has authenticated, in bytes. */
const HANDSHAKE_FRAME_BYTES_MAX = 1024;
/** Coalescing bound of one socket write, in bytes: small frames are batched up to this size. */
const WRITE_BATCH_BYTES = 256 * 1024;

/** A queued outgoing frame and its trace id (-1 when untraced). */
interface Outgoing {
  readonly frame: Buffer;
  readonly traceId: number;
}

/**
 * TCP (optionally TLS) between nodes. Each node dials every peer for its own outgoing messages and
 * accepts the connections its peers dial for theirs, so every link has one writer and reconnects
 * never race. Messages are framed ({@link encodeFrame}), batched into large socket writes, queued
 * per peer while the link is down (bounded, oldest dropped first), and delivered at most once: a
 * message in a socket buffer when the connection dies is lost, as in the simulator's lossy network.
 */
export class Transport {
  readonly #options: TransportOptions;
  readonly #links = new Map<NodeId, PeerLink>();
  readonly #inbound = new Set<InboundConnection>();
  readonly #server: Server;
  #address: Address | undefined;
  #paused = false;
  #stopped = false;

  private constructor(options: TransportOptions) {
    this.#options = options;
    const onSocket = (socket: Socket) => this.#accept(socket);
    this.#server =
      options.tls === undefined
        ? createServer({ noDelay: true }, onSocket)
        : createTlsServer(
            {
              cert: options.tls.cert,
              key: options.tls.key,
              ...(options.tls.ca === undefined
                ? {}
                : { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true }),
            },
            onSocket,
          );
    if (options.tls !== undefined) {
      this.#server.on('tlsClientError', (error: Error, socket: Socket) => {
        this.#reject(socket.remoteAddress, 'tls', error.message);
      });
    }
    this.#server.on('error', (error) => options.logger.error({ err: error }, 'node port error'));
    for (const [peer, address] of Object.entries(options.peers)) {
      if (peer !== options.id) this.#links.set(peer, new PeerLink(peer, address, options));
    }
  }

  /** Listens on `options.listen` (port 0: the OS picks) and starts dialing the peers. */
  static async start(options: TransportOptions): Promise<Transport> {
    const transport = new Transport(options);
    await new Promise<void>((resolve, reject) => {
      transport.#server.once('error', reject);
      transport.#server.listen(options.listen.port, options.listen.host, () => {
        transport.#server.off('error', reject);
        resolve();
      });
    });
    const bound = transport.#server.address();
    if (bound === null || typeof bound === 'string') throw new Error('node port has no address');
    transport.#address = { host: options.listen.host, port: bound.port };
    for (const link of transport.#links.values()) link.connect();
    return transport;
  }

  /** Where the node port listens. */
  get address(): Address {
    return this.#address as Address;
  }

  /** Queues `payload` for peer `to`. `traceId` is handed back to `onDrop` if it is dropped. */
  send(to: NodeId, payload: unknown, traceSegment = -1, traceSeq = -1, traceId = -1): void {
    const link = this.#links.get(to);
    if (link === undefined) throw new Error(`transport: no link to ${JSON.stringify(to)}`);
    let frame: Buffer;
    try {
      frame = encodeFrame(packMessage(payload, traceSegment, traceSeq));
    } catch (error) {
      link.drop(traceId, 'unencodable');
      this.#options.logger.warn(
        { peer: to, err: error },
        'message dropped: it cannot be encoded with msgpack',
      );
      return;
    }
    link.enqueue(frame, traceId);
  }

  /** Messages queued for `peer` (not yet written to its socket). */
  queued(peer: NodeId): number {
    return this.#links.get(peer)?.queueLength ?? 0;
  }

  /** Whether the outgoing link to `peer` has completed its handshake. */
  connected(peer: NodeId): boolean {
    return this.#links.get(peer)?.isOpen ?? false;
  }

  /** Stops reading from peers (the node's inbox is full); TCP flow control pushes back. */
  pauseInbound(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const c of this.#inbound) c.pause();
  }

  resumeInbound(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const c of this.#inbound) c.resume();
  }

  /** Graceful stop: waits up to `flushMs` for the send queues to drain, then closes everything.
   * Messages still queued are dropped (`shutdown`). */
  async stop(flushMs = 1000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const deadline = Date.now() + flushMs;
    while (Date.now() < deadline && [...this.#links.values()].some((l) => l.hasBacklog)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const link of this.#links.values()) link.close();
    for (const c of this.#inbound) c.socket.destroy();
    this.#inbound.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    if (this.#stopped) {
      socket.destroy();
      return;
    }
    const conn = new InboundConnection(socket, this.#options, {
      authenticated: (c) => {
        // A peer that reconnects replaces its older connection (likely half-open).
        for (const other of this.#inbound) {
          if (other !== c && other.peer === c.peer) {
            other.socket.destroy();
            this.#inbound.delete(other);
          }
        }
        if (this.#paused) c.pause();
      },
      closed: (c) => this.#inbound.delete(c),
      reject: (reason, detail) => this.#reject(socket.remoteAddress, reason, detail),
    });
    this.#inbound.add(conn);
  }

  #reject(remote: string | undefined, reason: string, detail: string): void {
    this.#options.metrics.connectionsRejected.labels(reason).inc();
    this.#options.logger.warn({ remote, reason, detail }, `connection closed: ${detail}`);
  }
}

/** The outgoing side of one peer: dials, handshakes, queues, batches, pings, reconnects. */
class PeerLink {
  readonly #queue = new RingQueue<Outgoing>(1024);
  #queuedBytes = 0;
  #socket: Socket | undefined;
  #open = false;
  #writable = true;
  #closed = false;
  #attempt = 0;
  #connects = 0;
  #flushScheduled = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #lastHeardMs = 0;
  readonly #frameBytesMax: number;
  readonly #queueMessagesMax: number;
  readonly #queueBytesMax: number;
  readonly #log: Logger;
  readonly #sent;
  readonly #depth;

  constructor(
    readonly peer: NodeId,
    readonly address: Address,
    readonly options: TransportOptions,
  ) {
    this.#frameBytesMax = options.frameBytesMax ?? DEFAULT_FRAME_BYTES_MAX;
    this.#queueMessagesMax = options.queueMessagesMax ?? 65_536;
    this.#queueBytesMax = options.queueBytesMax ?? 64 * 1024 * 1024;
    this.#log = options.logger.child({ peer });
    this.#sent = options.metrics.messagesSent.labels(peer);
    this.#depth = options.metrics.queueDepth.labels(peer);
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get hasBacklog(): boolean {
    return this.#open && (this.#queue.length > 0 || !this.#writable);
  }

  enqueue(frame: Buffer, traceId: number): void {
    if (this.#closed) {
      this.drop(traceId, 'shutdown');
      return;
    }
    if (frame.length - 4 > this.#frameBytesMax) {
      this.drop(traceId, 'too-large');
      this.#log.warn(
        { bytes: frame.length - 4, limit: this.#frameBytesMax },
        'message dropped: larger than the frame limit',
      );
      return;
    }
    while (
      this.#queue.length > 0 &&
      (this.#queue.length >= this.#queueMessagesMax ||
        this.#queuedBytes + frame.length > this.#queueBytesMax)
    ) {
      const oldest = this.#queue.shift() as Outgoing;
      this.#queuedBytes -= oldest.frame.length;
      this.drop(oldest.traceId, 'queue-full');
    }
    this.#queue.push({ frame, traceId });
    this.#queuedBytes += frame.length;
    if (this.#open && this.#writable && !this.#flushScheduled) {
      this.#flushScheduled = true;
      // Everything a commit group sends is queued synchronously; flushing in a microtask lets one
      // write carry all of it.
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  drop(traceId: number, reason: DropReason): void {
    this.options.metrics.messagesDropped.labels(this.peer, reason).inc();
    this.options.onDrop?.(this.peer, traceId, reason);
  }

  connect(): void {
    if (this.#closed) return;
    if (this.#connects++ > 0) this.options.metrics.reconnects.labels(this.peer).inc();
    const { host, port } = this.address;
    const tls = this.options.tls;
    const socket =
      tls === undefined
        ? tcpConnect({ host, port, noDelay: true })
        : tlsConnect({
            host,
            port,
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca === undefined
              ? { rejectUnauthorized: false }
              : { ca: tls.ca, rejectUnauthorized: true }),
          });
    socket.setNoDelay(true);
    this.#socket = socket;
    const decoder = new FrameDecoder(HANDSHAKE_FRAME_BYTES_MAX);
    const dialerNonce = newNonce();
    let acceptorNonce: Buffer | undefined;
    const handshakeTimer = setTimeout(
      () => this.#fail(socket, 'handshake timed out'),
      this.options.handshakeTimeoutMs ?? 5000,
    );
    socket.on('data', (chunk: Buffer) => {
      this.#lastHeardMs = Date.now();
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
        for (const payload of frames) {
          const frame = unpackFrame(payload);
          switch (frame[0]) {
            case CHALLENGE: {
              const [, acceptor, nonce, version] = frame;
              if (acceptor !== this.peer) {
                throw new ProtocolError(
                  `expected node ${this.peer} at ${host}:${port}, found ${String(acceptor)}`,
                );
              }
              if (version !== PROTOCOL_VERSION)
                throw new ProtocolError(`protocol version ${String(version)} is not supported`);
              if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES)
                throw new ProtocolError('malformed challenge');
              acceptorNonce = Buffer.from(nonce);
              const secret = this.options.secret;
              const mac =
                secret === undefined
                  ? null
                  : handshakeMac(
                      secret,
                      'dialer',
                      this.options.id,
                      this.peer,
                      dialerNonce,
                      acceptorNonce,
                    );
              socket.write(
                encodeFrame(pack([HELLO, this.options.id, this.peer, dialerNonce, mac])),
              );
              break;
            }
            case WELCOME: {
              const secret = this.options.secret;
              if (acceptorNonce === undefined) throw new ProtocolError('welcome before challenge');
              if (secret !== undefined) {
                const expected = handshakeMac(
                  secret,
                  'acceptor',
                  this.options.id,
                  this.peer,
                  dialerNonce,
                  acceptorNonce,
                );
                if (!macMatches(expected, frame[1]))
                  throw new ProtocolError('the peer failed to prove it knows the shared secret');
              }
              clearTimeout(handshakeTimer);
              decoder.frameBytesMax = this.#frameBytesMax;
              this.#opened(socket);
              break;
            }
            case PONG:
              break;
            case REJECT:
              throw new ProtocolError(`rejected by the peer: ${String(frame[1])}`);
            default:
              throw new ProtocolError(`unexpected frame type ${String(frame[0])}`);
          }
        }
      } catch (error) {
        this.#fail(socket, (error as Error).message);
      }
    });
    socket.on('error', (error) => {
      // Refused connections while a peer is down are expected: debug, not warn.
      this.#log.debug({ err: error.message }, 'connection error');
    });
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.#closedSocket(socket);
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeatTimer);
    while (this.#queue.length > 0) this.drop((this.#queue.shift() as Outgoing).traceId, 'shutdown');
    this.#queuedBytes = 0;
    this.#depth.set(0);
    this.#socket?.end();
    this.#socket?.destroy();
  }

  #opened(socket: Socket): void {
    this.#open = true;
    this.#writable = true;
    this.#attempt = 0;
    this.#log.info({ address: `${this.address.host}:${this.address.port}` }, 'connected to peer');
    const heartbeatMs = this.options.heartbeatMs ?? 1000;
    const livenessMs = this.options.livenessTimeoutMs ?? 5000;
    this.#heartbeatTimer = setInterval(() => {
      if (Date.now() - this.#lastHeardMs > livenessMs) {
        this.#fail(socket, `peer silent for more than ${livenessMs} ms`);
        return;
      }
      // Pings go through the socket directly, ahead of a backed-up queue, so a slow link is not
      // mistaken for a dead one.
      socket.write(encodeFrame(pack([PING, Date.now()])));
    }, heartbeatMs);
    this.#heartbeatTimer.unref();
    this.#flush();
  }

  #flush(): void {
    const socket = this.#socket;
    if (socket === undefined || !this.#open) return;
    while (this.#writable && this.#queue.length > 0) {
      const parts: Buffer[] = [];
      let bytes = 0;
      let count = 0;
      while (this.#queue.length > 0 && bytes < WRITE_BATCH_BYTES) {
        const item = this.#queue.shift() as Outgoing;
        parts.push(item.frame);
        bytes += item.frame.length;
        count++;
      }
      this.#queuedBytes -= bytes;
      this.#sent.inc(count);
      const ok = socket.write(
        parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, bytes),
      );
      if (!ok) {
        this.#writable = false;
        socket.once('drain', () => {
          this.#writable = true;
          this.#flush();
        });
      }
    }
    this.#depth.set(this.#queue.length);
  }

  #fail(socket: Socket, reason: string): void {
    this.#log.warn({ reason }, 'closing connection to peer');
    socket.destroy();
  }

  #closedSocket(socket: Socket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    if (this.#open) this.#log.info('disconnected from peer');
    this.#open = false;
    clearInterval(this.#heartbeatTimer);
    if (this.#closed) return;
    const base = this.options.reconnectBaseMs ?? 50;
    const max = this.options.reconnectMaxMs ?? 5000;
    const ceiling = Math.min(max, base * 2 ** Math.min(this.#attempt, 20));
    this.#attempt++;
    // Jitter in [ceiling/2, ceiling): peers that lost each other together do not redial in step.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#reconnectTimer = setTimeout(() => this.connect(), delay);
    this.#reconnectTimer.unref();
  }
}

/** Callbacks from an inbound connection to its transport. */
interface InboundEvents {
  authenticated(c: InboundConnection): void;
  closed(c: InboundConnection): void;
  /** A connection was refused: `reason` is a short metric label, `detail` says what happened. */
  reject(reason: string, detail: string): void;
}

/** The accepting side of one connection: challenges the dialer, then receives its messages. */
class InboundConnection {
  peer: NodeId | undefined;
  /** Reading is paused (the node's inbox is full): silence is then ours, not the peer's. */
  #paused = false;
  readonly #decoder: FrameDecoder;
  readonly #nonce = newNonce();
  #lastHeardMs = Date.now();
  #livenessTimer: NodeJS.Timeout | undefined;
  #received: { inc(n?: number): void } | undefined;

  constructor(
    readonly socket: Socket,
    readonly options: TransportOptions,
    readonly events: InboundEvents,
  ) {
    this.#decoder = new FrameDecoder(HANDSHAKE_FRAME_BYTES_MAX);
    socket.setNoDelay(true);
    const handshakeTimer = setTimeout(
      () => this.#refuse('handshake-timeout', 'no valid handshake in time'),
      options.handshakeTimeoutMs ?? 5000,
    );
    socket.on('data', (chunk: Buffer) => this.#data(chunk, handshakeTimer));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      clearInterval(this.#livenessTimer);
      events.closed(this);
    });
    socket.write(encodeFrame(pack([CHALLENGE, options.id, this.#nonce, PROTOCOL_VERSION])));
  }

  pause(): void {
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#lastHeardMs = Date.now();
    this.socket.resume();
  }

  #data(chunk: Buffer, handshakeTimer: NodeJS.Timeout): void {
    this.#lastHeardMs = Date.now();
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      const reason =
        error instanceof FrameError && /exceeds/.test(error.message)
          ? 'oversized-frame'
          : 'framing';
      this.#refuse(reason, (error as Error).message);
      return;
    }
    // Counted once per chunk: a chunk carries hundreds of small messages.
    let received = 0;
    try {
      this.#frames(frames, handshakeTimer, () => received++);
    } finally {
      if (received > 0) this.#received?.inc(received);
    }
  }

  #frames(frames: Buffer[], handshakeTimer: NodeJS.Timeout, count: () => void): void {
    for (const payload of frames) {
      if (this.socket.destroyed) return;
      let frame: unknown[];
      try {
        frame = unpackFrame(payload);
      } catch (error) {
        this.#refuse('garbage', (error as Error).message);
        return;
      }
      if (this.peer === undefined) {
        if (this.#hello(frame)) clearTimeout(handshakeTimer);
        continue;
      }
      switch (frame[0]) {
        case MSG: {
          let message: WireMessage;
          try {
            message = readMessage(frame);
          } catch (error) {
            this.#refuse('garbage', (error as Error).message);
            return;
          }
          count();
          this.options.onMessage(this.peer, message);
          break;
        }
        case PING:
          this.socket.write(encodeFrame(pack([PONG, frame[1] ?? 0])));
          break;
        default:
          this.#refuse('garbage', `unexpected frame type ${String(frame[0])} from ${this.peer}`);
          return;
      }
    }
  }

  /** Checks the dialer's HELLO; answers WELCOME or refuses. Returns whether it passed. */
  #hello(frame: unknown[]): boolean {
    const { id, peers, secret } = this.options;
    const [type, from, to, dialerNonce, mac] = frame;
    if (type !== HELLO) {
      this.#refuse('handshake', `expected a handshake, got frame type ${String(type)}`);
      return false;
    }
    if (typeof from !== 'string' || from === id || !Object.hasOwn(peers, from)) {
      this.#refuse('unknown-peer', `handshake from unknown node ${JSON.stringify(from)}`);
      return false;
    }
    if (to !== id) {
      this.#refuse('handshake', `${from} expected node ${String(to)}, this is ${id}`);
      return false;
    }
    if (!(dialerNonce instanceof Uint8Array) || dialerNonce.length !== NONCE_BYTES) {
      this.#refuse('handshake', `malformed handshake from ${from}`);
      return false;
    }
    if (secret === undefined) {
      if (mac !== null) {
        this.#refuse('handshake', `${from} uses a shared secret and this node has none`);
        return false;
      }
    } else {
      const expected = handshakeMac(secret, 'dialer', from, id, dialerNonce, this.#nonce);
      if (!macMatches(expected, mac)) {
        this.#refuse('bad-secret', `${from} failed to prove it knows the shared secret`);
        return false;
      }
    }
    const proof =
      secret === undefined
        ? null
        : handshakeMac(secret, 'acceptor', from, id, dialerNonce, this.#nonce);
    this.socket.write(encodeFrame(pack([WELCOME, proof])));
    this.peer = from;
    this.#received = this.options.metrics.messagesReceived.labels(from);
    this.#decoder.frameBytesMax = this.options.frameBytesMax ?? DEFAULT_FRAME_BYTES_MAX;
    const livenessMs = this.options.livenessTimeoutMs ?? 5000;
    this.#livenessTimer = setInterval(
      () => {
        if (!this.#paused && Date.now() - this.#lastHeardMs > livenessMs)
          this.#refuse('silent', `${from} silent for more than ${livenessMs} ms`);
      },
      Math.max(50, Math.floor(livenessMs / 4)),
    );
    this.#livenessTimer.unref();
    this.events.authenticated(this);
    return true;
  }

  #refuse(reason: string, detail: string): void {
    if (this.socket.destroyed) return;
    this.events.reject(reason, detail);
    // Tell the dialer why (it logs it) before closing; the socket may already be unwritable.
    this.socket.end(encodeFrame(pack([REJECT, detail])));
    this.socket.destroySoon();
    setTimeout(() => this.socket.destroy(), 100).unref();
  }
}
