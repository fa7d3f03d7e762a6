import { InvalidArgumentError } from 'commander';

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

/** Parses a whole number >= 1 (`--eot 4`). */
export function parsePositive(text: string): number {
  const n = parseWhole(text);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got ${n}`);
  return n;
}
