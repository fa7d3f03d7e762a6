/**
 * A TCP server speaking RESP2 over node:net, dispatching to a store's command table. The store
 * supplies commands; the server handles framing, ordering, flow control, limits, the connection
 * commands (see builtins.ts) and error replies. See docs/guide/resp.md.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type BuiltinContext, builtinCommands, type InfoSections } from './builtins.js';
import type { CommandSpec, CommandTable, RespConnection } from './commands.js';
import { ClientConnection, type ConnectionHost } from './connection.js';
import { RespMetrics } from './metrics.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './parser.js';

/** Options of {@link RespServer}. Sizes in bytes, durations in milliseconds. */
export interface RespServerOptions<S> {
  /** The store's commands. A name that is also a built-in (e.g. INFO) replaces the built-in. */
  readonly commands: CommandTable<S>;
  /** Creates the per-connection state handed to handlers as `conn.state`. Default: `{}`. */
  readonly createState?: (conn: { readonly id: number }) => S;
  /** Connections open at once; more are refused with `ERR max number of clients reached`.
   * Default 10,000. */
  readonly maxClients?: number;
  /** Largest argument. Default 16 MiB. */
  readonly maxBulkBytes?: number;
  /** Most arguments per request. Default 1,048,576. */
  readonly maxArrayLength?: number;
  /** Longest inline command line. Default 64 KiB. */
  readonly maxInlineBytes?: number;
  /** Largest total argument bytes per request. Default 64 MiB. */
  readonly maxRequestBytes?: number;
  /** Pipelined requests per connection that may await their reply before reading pauses.
   * Default 1,024. */
  readonly maxPendingRequests?: number;
  /**
   * Run a connection's commands one at a time: a command starts only after the previous one's
   * (possibly asynchronous) reply is ready. Default false: handlers are called in arrival order as
   * soon as each request is parsed, and replies are still written in order.
   */
  readonly serialExecution?: boolean;
  /** How long `close()` lets connections finish before destroying them. Default 5,000 ms. */
  readonly closeTimeoutMs?: number;
  /** Reported as `server` by HELLO and `cadre_server` by INFO. Default `cadre`. */
  readonly serverName?: string;
  /** The Redis version whose semantics the commands follow, reported to clients. Default 7.0.0. */
  readonly version?: string;
  /** Extra INFO sections, computed on each INFO call. */
  readonly info?: () => InfoSections;
  /** Parameters CONFIG GET reports (redis-benchmark asks for `save` and `appendonly`). */
  readonly config?: Readonly<Record<string, string>>;
  /** Called when a handler throws something other than a RespError (it still gets ERR). */
  readonly onHandlerError?: (error: unknown, command: string, conn: RespConnection<S>) => void;
  /** Called when a connection closes, e.g. to drop its watches or sessions. */
  readonly onDisconnect?: (conn: RespConnection<S>) => void;
}

/**
 * ```ts
 * const server = new RespServer({ commands: { get: { arity: 2, handler: ([key]) => map.get(…) ?? null } } });
 * const { port } = await server.listen(6379, '127.0.0.1');
 * …
 * await server.close();
 * ```
 */
export class RespServer<S = Record<string, unknown>> {
  /** Counters for export; see {@link RespMetrics}. */
  readonly metrics = new RespMetrics();
  private readonly netServer: Server;
  private readonly connections = new Set<ClientConnection<S>>();
  private readonly table = new Map<string, CommandSpec<S>>();
  private readonly host: ConnectionHost<S>;
  private readonly createState: (conn: { readonly id: number }) => S;
  private readonly maxClients: number;
  private readonly closeTimeoutMs: number;
  private readonly onDisconnect: ((conn: RespConnection<S>) => void) | undefined;
  private nextId = 1;
  private startedAtMs = Date.now();
  private closing: Promise<void> | undefined;

  constructor(options: RespServerOptions<S>) {
    const limits: RequestLimits = {
      maxBulkBytes: positiveInteger(options, 'maxBulkBytes', DEFAULT_REQUEST_LIMITS.maxBulkBytes),
      maxArrayLength: positiveInteger(
        options,
        'maxArrayLength',
        DEFAULT_REQUEST_LIMITS.maxArrayLength,
      ),
      maxInlineBytes: positiveInteger(
        options,
        'maxInlineBytes',
        DEFAULT_REQUEST_LIMITS.maxInlineBytes,
      ),
      maxRequestBytes: positiveInteger(
        options,
        'maxRequestBytes',
        DEFAULT_REQUEST_LIMITS.maxRequestBytes,
      ),
    };
    this.maxClients = positiveInteger(options, 'maxClients', 10_000);
    this.closeTimeoutMs = positiveInteger(options, 'closeTimeoutMs', 5_000);
    this.createState = options.createState ?? (() => ({}) as S);
    this.onDisconnect = options.onDisconnect;
    const context: BuiltinContext<S> = {
      serverName: options.serverName ?? 'cadre',
      version: options.version ?? '7.0.0',
      metrics: this.metrics,
      commands: () => this.table,
      connections: () => this.connections,
      config: options.config ?? {},
      uptimeSeconds: () => Math.floor((Date.now() - this.startedAtMs) / 1000),
      ...(options.info === undefined ? {} : { info: options.info }),
    };
    for (const [name, spec] of Object.entries(builtinCommands(context))) this.table.set(name, spec);
    for (const [name, spec] of Object.entries(options.commands)) {
      if (!Number.isInteger(spec.arity) || spec.arity === 0) {
        throw new TypeError(
          `command '${name}': arity must be a non-zero integer, got ${spec.arity}`,
        );
      }
      if (typeof spec.handler !== 'function') {
        throw new TypeError(`command '${name}': handler must be a function`);
      }
      if (!/^[\x21-\x7e]+$/.test(name)) {
        throw new TypeError(
          `command name ${JSON.stringify(name)} must be printable ASCII without spaces`,
        );
      }
      this.table.set(name.toLowerCase(), spec);
    }
    this.host = {
      commands: this.table,
      metrics: this.metrics,
      limits,
      maxPendingRequests: positiveInteger(options, 'maxPendingRequests', 1024),
      serialExecution: options.serialExecution ?? false,
      onHandlerError: options.onHandlerError,
      connectionClosed: (conn) => {
        if (this.connections.delete(conn)) {
          this.metrics.connectionsOpen--;
          this.onDisconnect?.(conn);
        }
      },
    };
    // allowHalfOpen: a client that shuts down its sending side still gets every reply.
    this.netServer = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.netServer.once('error', onError);
      this.netServer.listen(port, host, () => {
        this.netServer.off('error', onError);
        this.startedAtMs = Date.now();
        resolve(this.netServer.address() as AddressInfo);
      });
    });
  }

  /** The bound address; throws if the server is not listening. */
  address(): AddressInfo {
    const address = this.netServer.address();
    if (address === null || typeof address === 'string') {
      throw new Error('RespServer.address(): the server is not listening');
    }
    return address;
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Graceful stop: stops accepting, lets every connection finish the commands it already started
   * (their replies are written), then closes the sockets. Requests received but not yet started
   * are dropped. Connections still open after `closeTimeoutMs` are destroyed. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const conn of this.connections) conn.destroy();
      }, this.closeTimeoutMs);
      timer.unref();
      this.netServer.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const conn of this.connections) conn.shutdown();
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.maxClients) {
      this.metrics.connectionsRejected++;
      socket.on('error', () => {});
      // Destroy once the error is flushed: an untracked half-open socket would hold up close().
      socket.end('-ERR max number of clients reached\r\n', () => socket.destroy());
      return;
    }
    const id = this.nextId++;
    const conn = new ClientConnection<S>(id, this.createState({ id }), socket, this.host);
    this.connections.add(conn);
    this.metrics.connectionsAccepted++;
    this.metrics.connectionsOpen++;
  }
}

function positiveInteger<S>(
  options: RespServerOptions<S>,
  key: keyof RespServerOptions<S>,
  fallback: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(
      `RespServer option ${String(key)} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}
