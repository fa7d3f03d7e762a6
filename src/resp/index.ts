/**
 * Cadre's RESP2 (Redis protocol) toolkit for stores: request parser, reply encoder, a TCP server
 * with a command table, argument parsers and counters. See docs/guide/resp.md.
 */
export {
  argKeyword,
  argText,
  type OptionKind,
  type OptionValues,
  parseFloatArg,
  parseInt64,
  parseInteger,
  parseOptions,
  parseSetOptions,
  type SetOptions,
} from './args.js';
export type { InfoSections } from './builtins.js';
export {
  arityAccepts,
  type CommandHandler,
  type CommandSpec,
  type CommandTable,
  type RespConnection,
} from './commands.js';
export { encodeCommand, encodeReply, ReplyWriter } from './encoder.js';
export {
  NOT_A_FLOAT,
  NOT_AN_INTEGER,
  RespError,
  RespProtocolError,
  SYNTAX_ERROR,
} from './errors.js';
export { globMatch } from './glob.js';
export { type CommandCounters, RespMetrics } from './metrics.js';
export {
  DEFAULT_REQUEST_LIMITS,
  parseCanonicalInteger,
  type RequestLimits,
  RequestParser,
  splitInlineArgs,
} from './parser.js';
export {
  EncodedReply,
  errorReply,
  flag,
  isErrorReply,
  NULL_ARRAY,
  type NullArray,
  OK,
  PONG,
  QUEUED,
  type Reply,
  SimpleString,
  simple,
} from './reply.js';
export { type ParsedReply, ReplyParser } from './reply-parser.js';
export { RespServer, type RespServerOptions } from './server.js';
