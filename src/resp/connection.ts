/**
 * One client connection: parses requests, dispatches them to the command table, and writes the
 * replies back in request order even when handlers answer asynchronously and out of order.
 *
 * Flow control, per connection:
 * - replies produced while handling one TCP chunk leave in one write;
 * - when the socket's write buffer is over its high-water mark, reading pauses until 'drain';
 * - at most `maxPendingRequests` requests wait for their reply; beyond that, reading pauses (the
 *   requests already received stay buffered in the parser and run when the queue shrinks).
 */
import type { Socket } from 'node:net';
import { arityAccepts, type CommandSpec, type RespConnection } from './commands.js';
import { ReplyWriter } from './encoder.js';
import { RespError, RespProtocolError } from './errors.js';
import type { CommandCounters, RespMetrics } from './metrics.js';
import { type RequestLimits, RequestParser } from './parser.js';
import type { Reply } from './reply.js';

/** What a connection needs from its server. */
export interface ConnectionHost<S> {
  readonly commands: ReadonlyMap<string, CommandSpec<S>>;
  readonly metrics: RespMetrics;
  readonly limits: RequestLimits;
  readonly maxPendingRequests: number;
  readonly serialExecution: boolean;
  /** A handler threw something other than a {@link RespError} (a bug, usually). */
  readonly onHandlerError:
    | ((error: unknown, command: string, conn: RespConnection<S>) => void)
    | undefined;
  /** The socket closed; the connection is finished. */
  connectionClosed(conn: ClientConnection<S>): void;
}

interface Slot {
  done: boolean;
  reply: Reply;
  counters: CommandCounters | undefined;
}

/** Buffered reply bytes that are written out before parsing more requests of the same chunk. */
const FLUSH_BYTES = 64 * 1024;

/** Longest command name or argument quoted back in an error message. */
const QUOTE_MAX = 128;

export class ClientConnection<S> implements RespConnection<S> {
  name: string | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly parser: RequestParser;
  private readonly writer = new ReplyWriter();
  /** Replies not yet written, in request order; `head` is the first unwritten one. */
  private queue: Slot[] = [];
  private head = 0;
  private inflight = 0;
  /** No more requests are read or run; the socket ends once the queue is written. */
  private closing = false;
  private ended = false;
  /** The client half-closed: run what it sent, then close. */
  private peerEnded = false;
  private waitingDrain = false;
  private readPaused = false;
  private pumping = false;

  constructor(
    readonly id: number,
    readonly state: S,
    private readonly socket: Socket,
    private readonly host: ConnectionHost<S>,
  ) {
    this.parser = new RequestParser(host.limits);
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      this.pump();
    });
    // The client finished sending (half-close): answer what it sent, then close.
    socket.on('end', () => {
      this.peerEnded = true;
      this.pump();
    });
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
    // A reset or write error: 'close' follows and cleans up; nothing else to do.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closing = true;
      this.queue = [];
      this.head = 0;
      host.connectionClosed(this);
    });
  }

  /** Requests received whose replies are not yet written. */
  get pendingReplies(): number {
    return this.queue.length - this.head;
  }

  closeAfterReply(): void {
    if (this.closing) return;
    this.closing = true;
    this.pump();
  }

  /** Graceful close for server shutdown: stop reading, finish the requests already running. */
  shutdown(): void {
    this.closeAfterReply();
  }

  /** Ends the connection at once, dropping unwritten replies. */
  destroy(): void {
    this.socket.destroy();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (
        !this.closing &&
        !this.waitingDrain &&
        this.pendingReplies < this.host.maxPendingRequests &&
        !(this.host.serialExecution && this.inflight > 0)
      ) {
        let args: Buffer[] | undefined;
        try {
          args = this.parser.next();
        } catch (error) {
          if (!(error instanceof RespProtocolError)) throw error;
          // As Redis: reply with the protocol error after the earlier replies, then close.
          this.host.metrics.protocolErrors++;
          this.complete(new RespError(error.message), undefined);
          this.closing = true;
          break;
        }
        if (args === undefined) {
          if (this.peerEnded) this.closing = true;
          break;
        }
        this.dispatch(args);
        // Hand big bursts to the socket early, so a full socket buffer stops this loop.
        if (this.writer.byteLength >= FLUSH_BYTES) this.flush();
      }
      this.flush();
    } finally {
      this.pumping = false;
    }
    this.updateReading();
  }

  private dispatch(args: Buffer[]): void {
    const metrics = this.host.metrics;
    metrics.commandsProcessed++;
    const rawName = args[0]!;
    const name = rawName.toString('latin1').toLowerCase();
    const spec = this.host.commands.get(name);
    if (spec === undefined) {
      metrics.unknownCommands++;
      this.complete(new RespError(unknownCommandMessage(args)), undefined);
      return;
    }
    const counters = metrics.command(name);
    counters.calls++;
    if (!arityAccepts(spec.arity, args.length)) {
      this.complete(new RespError(`wrong number of arguments for '${name}' command`), counters);
      return;
    }
    let result: Reply | Promise<Reply>;
    try {
      result = spec.handler(args.slice(1), this);
    } catch (error) {
      result = this.errorReply(error, name);
    }
    if (isPromise(result)) {
      const slot: Slot = { done: false, reply: null, counters };
      this.queue.push(slot);
      this.inflight++;
      result.then(
        (reply) => this.settle(slot, reply),
        (error: unknown) => this.settle(slot, this.errorReply(error, name)),
      );
    } else {
      this.complete(result, counters);
    }
  }

  /** A synchronous reply: written now if nothing is ahead of it, else queued behind. */
  private complete(reply: Reply, counters: CommandCounters | undefined): void {
    if (this.pendingReplies === 0) this.writeReply(reply, counters);
    else this.queue.push({ done: true, reply, counters });
  }

  private settle(slot: Slot, reply: Reply): void {
    slot.done = true;
    slot.reply = reply;
    this.inflight--;
    if (!this.socket.destroyed) this.pump();
  }

  private errorReply(error: unknown, command: string): RespError {
    if (error instanceof RespError) return error;
    this.host.onHandlerError?.(error, command, this);
    const message = error instanceof Error ? error.message : String(error);
    return new RespError(message === '' ? `internal error in '${command}'` : message);
  }

  private writeReply(reply: Reply, counters: CommandCounters | undefined): void {
    try {
      this.writer.write(reply);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      const bad = new RespError(`reply could not be encoded: ${problem}`);
      this.host.onHandlerError?.(error, 'reply', this);
      this.writer.writeError(bad);
      reply = bad;
    }
    if (reply instanceof RespError) {
      this.host.metrics.errorReplies++;
      if (counters !== undefined) counters.errors++;
    }
  }

  /** Writes the finished replies at the head of the queue; ends the socket when closing and done. */
  private flush(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.done) {
      const slot = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Slot;
      this.writeReply(slot.reply, slot.counters);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const socket = this.socket;
    if (socket.destroyed || this.ended) {
      this.writer.take();
      return;
    }
    if (this.writer.byteLength > 0) {
      const chunks = this.writer.take();
      // The writer already joins small replies into one buffer; cork only to send a large value
      // and its neighbours in one writev.
      const cork = chunks.length > 1;
      if (cork) socket.cork();
      for (const chunk of chunks) {
        if (!socket.write(chunk)) this.waitingDrain = true;
      }
      if (cork) socket.uncork();
    }
    if (this.closing && this.pendingReplies === 0) {
      this.ended = true;
      socket.end();
    }
  }

  private updateReading(): void {
    const pause =
      this.closing ||
      this.waitingDrain ||
      this.pendingReplies >= this.host.maxPendingRequests ||
      (this.host.serialExecution && this.inflight > 0);
    if (pause && !this.readPaused) {
      this.readPaused = true;
      if (!this.closing) this.host.metrics.readPauses++;
      this.socket.pause();
    } else if (!pause && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }
}

function isPromise(value: unknown): value is Promise<Reply> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Redis 7's wording: `unknown command 'x', with args beginning with: 'a' 'b' `. */
function unknownCommandMessage(args: readonly Buffer[]): string {
  let quoted = '';
  for (let i = 1; i < args.length && quoted.length < QUOTE_MAX; i++) {
    quoted += `'${args[i]!.toString('utf8', 0, QUOTE_MAX)}' `;
  }
  const name = args[0]!.toString('utf8', 0, QUOTE_MAX);
  return `unknown command '${name}', with args beginning with: ${quoted}`;
}
