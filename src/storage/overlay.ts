import type { BTree } from './btree.js';
import { scanTree } from './btree-scan.js';
import { copyBytes, fromKeyString, toKeyString } from './bytes.js';
import { rangeAfter } from './cursor.js';
import type { Entry, OrderedKVReader, RangeOptions } from './ordered-kv.js';

/**
 * Buffered writes over a reader, as kept by a transaction or a staged layer: `writes` maps a
 * latin1 key to its new value (null = deleted), `cleared` lists the ranges `[lo, hi)` wiped by
 * deleteRange (keys written after the wipe are in `writes`). The two functions below give the
 * read-your-writes view, so every store that buffers writes reads them the same way.
 */
export interface WriteOverlay {
  readonly writes: BTree<string, Uint8Array | null>;
  readonly cleared: readonly (readonly [lo: string, hi: string])[];
}

function isCleared(cleared: WriteOverlay['cleared'], k: string): boolean {
  return cleared.some(([lo, hi]) => k >= lo && k < hi);
}

/** The value of `key` (latin1 `k`) as seen through `overlay`: a copy of the buffered one, or the base's. */
export function overlayGet(
  base: OrderedKVReader,
  overlay: WriteOverlay,
  key: Uint8Array,
  k: string,
): Uint8Array | undefined {
  const own = overlay.writes.get(k);
  // A copy: the caller may mutate what it gets, and the buffered bytes are what will be committed.
  if (own !== undefined) return own === null ? undefined : copyBytes(own);
  if (isCleared(overlay.cleared, k)) return undefined;
  return base.get(key);
}

/** The base's entries not shadowed by `overlay`, merged with its puts, in scan order, at most
 * `limit` (already validated by the caller). */
export function overlayRange(
  base: OrderedKVReader,
  overlay: WriteOverlay,
  options: RangeOptions,
  limit: number,
): Entry[] {
  const { writes, cleared } = overlay;
  if (writes.size === 0 && cleared.length === 0) return base.range(options);
  if (limit <= 0) return [];
  const reverse = options.reverse === true;
  const lo = options.start === undefined ? '' : toKeyString(options.start);
  const hi = options.end === undefined ? undefined : toKeyString(options.end);
  const own: [string, Uint8Array][] = [];
  // Unlimited: deleted (null) entries must not count towards the limit.
  scanTree(writes, lo, hi, Number.POSITIVE_INFINITY, reverse, (k, v) => {
    if (v !== null) own.push([k, v]);
  });
  const out: Entry[] = [];
  let i = 0;
  const before = (a: string, b: string) => (reverse ? a > b : a < b);
  const takeOwn = (until: string | undefined) => {
    while (out.length < limit && i < own.length) {
      const [k, v] = own[i] as [string, Uint8Array];
      if (until !== undefined && !before(k, until)) return;
      out.push({ key: fromKeyString(k), value: copyBytes(v) });
      i++;
    }
  };
  // Page through the base; each page is as large as what is still wanted (or 256).
  let page: RangeOptions = { ...options };
  for (;;) {
    const want = Number.isFinite(limit) ? Math.max(limit - out.length, 1) : 256;
    const entries = base.range({ ...page, limit: want });
    for (const e of entries) {
      const k = toKeyString(e.key);
      if (writes.has(k) || isCleared(cleared, k)) continue;
      takeOwn(k);
      if (out.length >= limit) return out;
      out.push(e);
      if (out.length >= limit) return out;
    }
    const last = entries[entries.length - 1];
    if (last === undefined || entries.length < want) break;
    page = rangeAfter(page, last.key);
  }
  takeOwn(undefined);
  return out;
}
