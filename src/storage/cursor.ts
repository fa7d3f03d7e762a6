import type { Entry, OrderedKVReader, RangeOptions } from './ordered-kv.js';

/**
 * Range cursors: resuming a scan after the last entry seen, so a large range can be read in pages
 * (each page a separate `range` call, possibly against a changing store).
 */

/** The smallest key greater than `key`: `key` followed by a 0x00 byte. */
export function keyAfter(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * The options that continue a scan made with `options` after its entry `last`: a forward scan
 * resumes at the key just after `last`; a reverse scan resumes below `last` (its new exclusive end).
 * `limit` is kept, so it is the page size.
 */
export function rangeAfter(options: RangeOptions, last: Uint8Array): RangeOptions {
  return options.reverse === true
    ? { ...options, end: last }
    : { ...options, start: keyAfter(last) };
}

/** Reads the range `options` describes in pages of `pageSize` entries (a positive integer). */
export function* scanPages(
  reader: OrderedKVReader,
  options: Omit<RangeOptions, 'limit'>,
  pageSize: number,
): Generator<Entry[]> {
  let page: RangeOptions = { ...options, limit: pageSize };
  for (;;) {
    const entries = reader.range(page);
    if (entries.length > 0) yield entries;
    const last = entries[entries.length - 1];
    if (last === undefined || entries.length < pageSize) return;
    page = rangeAfter(page, last.key);
  }
}
