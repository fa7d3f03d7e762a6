/**
 * Argument parsers for command handlers, with Redis's error wording, so a store's commands reject
 * bad arguments the way clients expect. Each throws a {@link RespError}; the server turns it into an
 * error reply and the connection carries on.
 */
import { NOT_A_FLOAT, NOT_AN_INTEGER, RespError, SYNTAX_ERROR } from './errors.js';
import { parseCanonicalInteger } from './parser.js';

/** An argument as UTF-8 text. */
export function argText(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('utf8');
}

/** An argument upper-cased as ASCII (for keywords such as NX or MATCH; other bytes kept). */
export function argKeyword(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.length).toString('latin1').toUpperCase();
}

/**
 * A canonical decimal integer argument (Redis's string2ll rules: optional '-', no '+', no leading
 * zeros, no spaces) within [min, max] (defaults: the safe-integer range). Throws
 * `ERR value is not an integer or out of range` otherwise.
 */
export function parseInteger(
  arg: Uint8Array,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = parseCanonicalInteger(arg, 0, arg.length);
  if (Number.isNaN(value) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RespError(NOT_AN_INTEGER);
  }
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A signed 64-bit integer argument, exactly (for INCR-style counters). Same rules and error as
 * {@link parseInteger}. */
export function parseInt64(arg: Uint8Array): bigint {
  if (Number.isNaN(parseCanonicalInteger(arg, 0, arg.length))) throw new RespError(NOT_AN_INTEGER);
  const value = BigInt(argText(arg));
  if (value < INT64_MIN || value > INT64_MAX) throw new RespError(NOT_AN_INTEGER);
  return value;
}

const FLOAT_PATTERN = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)$/i;

/** A float argument (decimal, exponent, `inf`, `-inf`; no NaN, no spaces). Throws
 * `ERR value is not a valid float`. */
export function parseFloatArg(arg: Uint8Array): number {
  const text = argText(arg);
  if (!FLOAT_PATTERN.test(text)) throw new RespError(NOT_A_FLOAT);
  const lower = text.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) {
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(text);
}

/** How an option of {@link parseOptions} is written: a bare keyword, or a keyword and a value. */
export type OptionKind = 'flag' | 'integer' | 'bytes';

/** The options found: flags as `true`, integers as numbers, byte values as Buffers. */
export type OptionValues<S extends Readonly<Record<string, OptionKind>>> = {
  -readonly [K in keyof S]?: S[K] extends 'flag' ? true : S[K] extends 'integer' ? number : Buffer;
};

/**
 * Parses trailing keyword options, e.g. SCAN's `MATCH pattern COUNT n`, from `args[from..]`.
 * `spec` maps each upper-case keyword to its kind; `exclusive` lists groups of keywords that may
 * not appear together. Keywords match case-insensitively. An unknown keyword, a repeated one, a
 * missing value or two exclusive ones throw `ERR syntax error`; a bad integer throws
 * `ERR value is not an integer or out of range`.
 */
export function parseOptions<S extends Readonly<Record<string, OptionKind>>>(
  args: readonly Uint8Array[],
  from: number,
  spec: S,
  exclusive: readonly (readonly (keyof S & string)[])[] = [],
): OptionValues<S> {
  const found: Record<string, true | number | Buffer> = {};
  for (let i = from; i < args.length; i++) {
    const keyword = argKeyword(args[i]!);
    const kind = Object.hasOwn(spec, keyword) ? spec[keyword] : undefined;
    if (kind === undefined || Object.hasOwn(found, keyword)) throw new RespError(SYNTAX_ERROR);
    if (kind === 'flag') {
      found[keyword] = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new RespError(SYNTAX_ERROR);
    found[keyword] =
      kind === 'integer'
        ? parseInteger(value)
        : Buffer.from(value.buffer, value.byteOffset, value.length);
  }
  for (const group of exclusive) {
    if (group.filter((k) => Object.hasOwn(found, k)).length > 1) throw new RespError(SYNTAX_ERROR);
  }
  return found as OptionValues<S>;
}

/** SET's options, parsed. */
export interface SetOptions {
  /** NX: only set if absent; XX: only set if present. */
  readonly condition?: 'NX' | 'XX';
  /** GET: reply with the old value (or null) instead of OK. */
  readonly get: boolean;
  /** KEEPTTL: keep the key's current time to live. */
  readonly keepTtl: boolean;
  /**
   * The expiry, normalised to milliseconds: `relativeMs` from EX/PX, or `absoluteMs` (Unix time)
   * from EXAT/PXAT. Absent when the key gets no TTL (or keeps its own, with KEEPTTL).
   */
  readonly expiry?: { readonly relativeMs: number } | { readonly absoluteMs: number };
}

const NO_SET_OPTIONS: SetOptions = Object.freeze({ get: false, keepTtl: false });

const SET_SPEC = {
  NX: 'flag',
  XX: 'flag',
  GET: 'flag',
  KEEPTTL: 'flag',
  EX: 'integer',
  PX: 'integer',
  EXAT: 'integer',
  PXAT: 'integer',
} as const;

/**
 * Parses `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]` from `args[from..]`
 * (`from` = index after the value). Conflicting or unknown options: `ERR syntax error`; an expiry
 * that is not a positive integer or overflows: `ERR invalid expire time in 'set' command`.
 */
export function parseSetOptions(args: readonly Uint8Array[], from: number): SetOptions {
  if (from >= args.length) return NO_SET_OPTIONS;
  let parsed: OptionValues<typeof SET_SPEC>;
  try {
    parsed = parseOptions(args, from, SET_SPEC, [
      ['NX', 'XX'],
      ['EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL'],
    ]);
  } catch (error) {
    // Redis reports a non-integer expiry with the set-specific message, not the generic one.
    if (error instanceof RespError && error.message === NOT_AN_INTEGER) {
      throw new RespError("invalid expire time in 'set' command");
    }
    throw error;
  }
  const expiry = setExpiry(parsed);
  const condition = parsed.NX ? 'NX' : parsed.XX ? 'XX' : undefined;
  return {
    ...(condition === undefined ? {} : { condition }),
    get: parsed.GET === true,
    keepTtl: parsed.KEEPTTL === true,
    ...(expiry === undefined ? {} : { expiry }),
  };
}

function setExpiry(parsed: OptionValues<typeof SET_SPEC>): SetOptions['expiry'] | undefined {
  const pick: [number | undefined, number, boolean][] = [
    [parsed.EX, 1000, false],
    [parsed.PX, 1, false],
    [parsed.EXAT, 1000, true],
    [parsed.PXAT, 1, true],
  ];
  for (const [value, msPerUnit, absolute] of pick) {
    if (value === undefined) continue;
    const ms = value * msPerUnit;
    if (value <= 0 || !Number.isSafeInteger(ms)) {
      throw new RespError("invalid expire time in 'set' command");
    }
    return absolute ? { absoluteMs: ms } : { relativeMs: ms };
  }
  return undefined;
}
