/**
 * The command table a store hands to {@link RespServer}: command name → arity and handler.
 */
import type { Reply } from './reply.js';

/**
 * One client connection as a handler sees it. `S` is the store's per-connection state (created by
 * the server's `createState` option), e.g. a session id for exactly-once retries.
 */
export interface RespConnection<S> {
  /** Unique per server, increasing from 1 (CLIENT ID). */
  readonly id: number;
  /** Set by CLIENT SETNAME or HELLO … SETNAME; undefined until then. */
  name: string | undefined;
  /** The store's state for this connection. */
  readonly state: S;
  /** Peer address and port, as seen when the connection was accepted. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * Closes the connection once every reply up to and including the current command's has been
   * written; commands the client sent after this one are not run (QUIT's behaviour).
   */
  closeAfterReply(): void;
}

/** A command's handler: `args` are the arguments *after* the command name. */
export type CommandHandler<S> = (
  args: readonly Buffer[],
  conn: RespConnection<S>,
) => Reply | Promise<Reply>;

/** How a command is called and described. */
export interface CommandSpec<S> {
  /**
   * Redis-style arity, counting the command name itself: `n` means exactly n words (GET key: 2),
   * `-n` means at least n (DEL key [key …]: -2). A call with another count is answered
   * `ERR wrong number of arguments for 'name' command` without calling the handler.
   */
  readonly arity: number;
  /**
   * Runs the command. It may return a reply or a promise of one, and may throw (or return) a
   * {@link RespError} for an error reply; any other thrown error becomes `ERR <message>`. The
   * arguments may be views into the receive buffer: copy (`Buffer.from(arg)`) what you keep.
   */
  readonly handler: CommandHandler<S>;
  /** Flags reported by COMMAND, e.g. `write`, `readonly`, `fast`, `denyoom`. Default none. */
  readonly flags?: readonly string[];
  /** Positions of key arguments reported by COMMAND (first key, last key, step). Default none. */
  readonly keys?: { readonly first: number; readonly last: number; readonly step: number };
}

/** Command name (any case; matched case-insensitively) → spec. */
export type CommandTable<S> = Readonly<Record<string, CommandSpec<S>>>;

/** Checks a Redis-style arity against the number of words in a call (command name included). */
export function arityAccepts(arity: number, words: number): boolean {
  return arity >= 0 ? words === arity : words >= -arity;
}
