/**
 * Redis glob patterns (`KEYS`, `SCAN … MATCH`), matched the way Redis's `stringmatchlen` matches
 * them: `*` any run of characters, `?` any one character, `[abc]` / `[a-z]` / `[^a-z]` a class
 * (`^` negates; a `\` inside escapes the next character), `\x` a literal `x`; everything else
 * literal and case-sensitive. Keys and patterns are byte strings held as latin1 text (one
 * character per byte), as the stores keep binary-safe keys.
 */

/** Whether `text` matches the whole of `pattern`. Greedy with backtracking to the last `*` only
 * (a later star subsumes an earlier one), so time is O(pattern × text) at worst: a client's
 * pattern cannot make the server backtrack exponentially. */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern;
  const t = text;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = ++pi;
      starT = ti;
      continue;
    }
    const step = pi < p.length ? matchOne(p, pi, t.charCodeAt(ti)) : -1;
    if (step >= 0) {
      pi = step;
      ti++;
      continue;
    }
    if (starP < 0) return false;
    pi = starP;
    ti = ++starT;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** If the pattern element at `p[pi]` (not `*`) matches character `ch`, the index after it;
 * otherwise -1. */
function matchOne(p: string, pi: number, ch: number): number {
  const c = p[pi];
  if (c === '?') return pi + 1;
  if (c === '[') {
    const r = matchClass(p, pi + 1, ch);
    return r.matched ? r.next : -1;
  }
  if (c === '\\' && pi + 1 < p.length) return p.charCodeAt(pi + 1) === ch ? pi + 2 : -1;
  return p.charCodeAt(pi) === ch ? pi + 1 : -1;
}

/** Matches one character against the class starting at `p[start]` (after `[`); `next` is the
 * index after the closing `]` (an unclosed class runs to the end of the pattern, as in Redis). */
function matchClass(p: string, start: number, ch: number): { matched: boolean; next: number } {
  let i = start;
  const negate = p[i] === '^';
  if (negate) i++;
  let matched = false;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\' && i + 1 < p.length) {
      if (p.charCodeAt(i + 1) === ch) matched = true;
      i += 2;
    } else if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let lo = p.charCodeAt(i);
      let hi = p.charCodeAt(i + 2);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      i += 3;
    } else {
      if (p.charCodeAt(i) === ch) matched = true;
      i++;
    }
  }
  return { matched: negate ? !matched : matched, next: Math.min(i + 1, p.length) };
}
