import type { NodeId } from '../core/ids.js';

/**
 * Node-permutation symmetry (reference §2.8): when nodes of a group are interchangeable (the spec
 * says so), fault sets that map onto each other by permuting those nodes lead to equivalent runs,
 * so only one of them is run. The canonical key of a fault set is the smallest, in text order, of
 * its renamings under every permutation within the groups.
 *
 * Groups are declared by the spec author (`ldfi.symmetry`) rather than inferred: a process can name
 * nodes anywhere in its code, which no static check over handlers can rule out.
 */
export function canonicalKey(
  vars: readonly string[],
  groups: readonly (readonly NodeId[])[],
): string {
  const plain = [...vars].sort().join(' ');
  if (groups.length === 0 || vars.length === 0) return plain;
  let best = plain;
  for (const mapping of permutations(groups)) {
    const renamed = vars
      .map((v) => rename(v, mapping))
      .sort()
      .join(' ');
    if (renamed < best) best = renamed;
  }
  return best;
}

function rename(name: string, mapping: ReadonlyMap<string, string>): string {
  const open = name.indexOf('(');
  const args = name.slice(open + 1, -1).split(',');
  const renamed = args.map((a) => mapping.get(a) ?? a);
  return `${name.slice(0, open)}(${renamed.join(',')})`;
}

/** Every node renaming that permutes nodes within each group (the product of the groups'
 * permutations). Groups are small in practice (3! · 3! = 36 mappings for two groups of three). */
function* permutations(groups: readonly (readonly NodeId[])[]): Generator<Map<string, string>> {
  const perGroup = groups.map((g) =>
    [...permute([...g])].map((p) => g.map((from, i) => [from, p[i] as string] as const)),
  );
  const pick = (i: number, acc: (readonly [string, string])[]): Generator<Map<string, string>> =>
    (function* () {
      if (i === perGroup.length) {
        yield new Map(acc);
        return;
      }
      for (const pairs of perGroup[i] as (readonly (readonly [string, string])[])[])
        yield* pick(i + 1, [...acc, ...pairs]);
    })();
  yield* pick(0, []);
}

function* permute<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield items;
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permute(rest)) yield [items[i] as T, ...p];
  }
}
