import type { OpValue } from '../../core/history.js';

/** Field `name` of a history value when the value is an object (an operation's recorded result),
 *  else undefined. */
export function opField(value: OpValue, name: string): OpValue | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return (value as { readonly [key: string]: OpValue })[name];
}
