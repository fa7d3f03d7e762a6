import type { Fault } from '../core/fault.js';

const omissionPattern = /^O\(([^,]+),([^,]+),(\d+)\)$/;
const crashPattern = /^C\(([^,]+),(\d+)\)$/;
const dropPattern = /^D\(([^,]+),([^,]+),(\d+)\)$/;
const stopPattern = /^S\(([^,]+),([^,)]+)\)$/;

/** The node a crash variable crashes, or undefined for any other variable. */
export function crashNodeOf(name: string): string | undefined {
  return crashPattern.exec(name)?.[1] ?? stopPattern.exec(name)?.[1];
}

/** The fault a synchronous-model variable stands for (crashes are Molly's send-omission crashes). */
export function faultOfVar(name: string): Fault {
  const o = omissionPattern.exec(name);
  if (o !== null)
    return { kind: 'omission', from: o[1] as string, to: o[2] as string, at: Number(o[3]) };
  const c = crashPattern.exec(name);
  if (c !== null)
    return { kind: 'crash', node: c[1] as string, at: Number(c[2]), mode: 'send-omission' };
  const d = dropPattern.exec(name);
  if (d !== null)
    return { kind: 'drop', from: d[1] as string, to: d[2] as string, index: Number(d[3]) };
  const st = stopPattern.exec(name);
  if (st !== null) return { kind: 'crash', node: st[1] as string, at: Number(st[2]), mode: 'stop' };
  throw new Error(`not a fault variable: ${name}`);
}

/** Faults of a variable set, crashes first, each group in name order. */
export function faultsOfVars(names: Iterable<string>): Fault[] {
  const rank = (v: string) => (v[0] === 'C' || v[0] === 'S' ? 0 : 1);
  const sorted = [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(faultOfVar);
}
