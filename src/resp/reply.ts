/**
 * What a command handler returns, and helpers to build it. The mapping to RESP2:
 *
 * | value                         | wire                      |
 * |-------------------------------|---------------------------|
 * | `null`                        | null bulk `$-1`           |
 * | `number` (safe integer), `bigint` (int64) | integer `:n`  |
 * | `string` (UTF-8), `Uint8Array`/`Buffer` | bulk string `$n` |
 * | array of replies              | array `*n` (nested ok)    |
 * | {@link NULL_ARRAY}            | null array `*-1`          |
 * | {@link SimpleString}, {@link OK} | simple string `+…`     |
 * | {@link RespError}             | error `-CODE message`     |
 * | {@link EncodedReply}          | its bytes, verbatim       |
 *
 * A non-integer number, an integer outside int64 or a simple string containing CR/LF is a handler
 * bug: encoding rejects it and the client gets an `ERR` reply naming the problem instead.
 */
import { RespError } from './errors.js';

/** A simple string reply (`+text\r\n`): short status words like OK or PONG. No CR or LF inside. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** Bytes that are already a complete RESP reply; written as they are (the fast path). */
export class EncodedReply {
  constructor(readonly bytes: Buffer) {}
}

/** The null array (`*-1\r\n`), distinct from the null bulk string `null`. */
export const NULL_ARRAY: unique symbol = Symbol('resp.nullArray');
export type NullArray = typeof NULL_ARRAY;

/** Anything a handler can reply with. */
export type Reply =
  | null
  | number
  | bigint
  | string
  | Uint8Array
  | SimpleString
  | RespError
  | EncodedReply
  | NullArray
  | readonly Reply[];

/** `+OK`, pre-encoded. */
export const OK = new EncodedReply(Buffer.from('+OK\r\n'));
/** `+PONG`, pre-encoded. */
export const PONG = new EncodedReply(Buffer.from('+PONG\r\n'));
/** `+QUEUED`, pre-encoded. */
export const QUEUED = new EncodedReply(Buffer.from('+QUEUED\r\n'));

/** A simple string reply. Throws a TypeError if `text` contains CR or LF. */
export function simple(text: string): SimpleString {
  if (/[\r\n]/.test(text))
    throw new TypeError(`simple string reply contains CR or LF: ${JSON.stringify(text)}`);
  return new SimpleString(text);
}

/** An error reply `-CODE message` (code defaults to ERR). Return it, or throw it. */
export function errorReply(message: string, code = 'ERR'): RespError {
  return new RespError(message, code);
}

/** 1 for true, 0 for false: Redis's convention for boolean answers (EXISTS on one key, SETNX…). */
export function flag(value: boolean): number {
  return value ? 1 : 0;
}

/** True if `reply` is an error reply. */
export function isErrorReply(reply: Reply): reply is RespError {
  return reply instanceof RespError;
}
