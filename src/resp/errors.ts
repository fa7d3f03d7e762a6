/**
 * The two kinds of error a RESP server produces. A {@link RespError} is an error *reply*: the
 * command failed, the connection carries on. A {@link RespProtocolError} means the byte stream
 * itself is malformed: the server replies with it and then closes that connection, as Redis does,
 * because it can no longer tell where the next request starts.
 */

/**
 * An error reply, sent as `-CODE message\r\n`. `code` is the upper-case prefix clients switch on
 * (`ERR`, `WRONGTYPE`, `NOPROTO`, `MOVED`, …; default `ERR`). Handlers may throw it or return it.
 * Newlines in the message are replaced by spaces on the wire (RESP errors are one line).
 */
export class RespError extends Error {
  override readonly name = 'RespError';
  constructor(
    message: string,
    readonly code: string = 'ERR',
  ) {
    super(message);
  }

  /** The line sent to the client, without the leading `-` and trailing CRLF: `CODE message`. */
  get line(): string {
    return `${this.code} ${this.message}`.replace(/[\r\n]+/g, ' ');
  }
}

/**
 * The request stream is malformed (bad length, missing CRLF, request over a limit). The message is
 * Redis's wording without the `ERR ` prefix, e.g. `Protocol error: invalid bulk length`; `offset`
 * is the byte offset in the connection's input at which the problem was found.
 */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Redis's reply for an argument that does not parse as a 64-bit signed integer. */
export const NOT_AN_INTEGER = 'value is not an integer or out of range';
/** Redis's reply for an argument that does not parse as a finite float. */
export const NOT_A_FLOAT = 'value is not a valid float';
/** Redis's generic reply for an option list it cannot make sense of. */
export const SYNTAX_ERROR = 'syntax error';
