import type { OpValue } from '../core/history.js';

/**
 * A canonical text for an operation value: equal values give equal texts, whatever the order of
 * object keys. Models use it both to compare values (a read's result with the state) and as
 * their state key.
 */
export function valueKey(value: OpValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: OpValue) => valueKey(v)).join(',')}]`;
  const obj = value as { readonly [key: string]: OpValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${valueKey(obj[k])}`).join(',')}}`;
}

/** Deep equality of operation values (object key order ignored). */
export function sameValue(a: OpValue | undefined, b: OpValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return valueKey(a) === valueKey(b);
}

/** `value` as a two-element array `[a, b]`, or undefined when it is not one. */
export function pair(value: OpValue | undefined): readonly [OpValue, OpValue] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  return value as unknown as readonly [OpValue, OpValue];
}
