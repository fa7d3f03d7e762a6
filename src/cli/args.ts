import { InvalidArgumentError } from 'commander';
import { ConfigError, parsePeers } from '../runtime/config.js';
import { UsageError } from './errors.js';

/** An inclusive range of seeds, `--seeds A..B`. */
export interface SeedRange {
  readonly from: number;
  readonly to: number;
}

/** Parses `--seed N`: a whole number >= 0. */
export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(
      `a seed is a whole number >= 0 (at most ${Number.MAX_SAFE_INTEGER}), e.g. --seed 7`,
    );
  }
  return Number(text);
}

/** Parses `--seeds A..B`: two seeds with A <= B. */
export function parseSeedRange(text: string): SeedRange {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (m === null) {
    throw new InvalidArgumentError(
      'expected a seed range A..B of whole numbers, e.g. --seeds 1..200',
    );
  }
  const from = parseSeed(m[1] as string);
  const to = parseSeed(m[2] as string);
  if (from > to) {
    throw new InvalidArgumentError(
      `the range ${from}..${to} is empty; write the smaller seed first, e.g. --seeds ${to}..${from}`,
    );
  }
  return { from, to };
}

/** Parses a whole number >= 0 (`--eff 2`, `--crashes 1`). */
export function parseWhole(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(`expected a whole number >= 0, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses a TCP port 0-65535 (`--port 6379`; 0 lets the OS pick). */
export function parsePort(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n <= 65535)) {
    throw new InvalidArgumentError(`expected a port 0-65535, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Parses a whole number >= 1 (`--eot 4`). */
export function parsePositive(text: string): number {
  const n = parseWhole(text);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got ${n}`);
  return n;
}

/** Parses `--peers n1=host:port,…`; a malformed list is a {@link UsageError} naming what was wrong. */
export function parsePeersFlag(text: string): ReturnType<typeof parsePeers> {
  try {
    return parsePeers(text);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The options among `keys` that commander set, as they are: an option left unset is absent from
 * the result rather than `undefined` (exactOptionalPropertyTypes). Commander's parsers have
 * checked the values already; `T`, the command's options type, names their types.
 */
export function setOptions<T extends object>(
  opts: Readonly<Record<string, unknown>>,
  keys: readonly (keyof T & string)[],
): Partial<T> {
  const set: Record<string, unknown> = {};
  for (const key of keys) if (opts[key] !== undefined) set[key] = opts[key];
  return set as Partial<T>;
}
