import type { Context, Process } from '../../src/core/process.js';

/** Optional handler bodies of a test process. */
export interface Handlers<M> {
  init?: (ctx: Context<M>) => void;
  receive?: (ctx: Context<M>, from: string, msg: M) => void;
  timer?: (ctx: Context<M>, name: string) => void;
}

/** A process built from optional handler bodies (the tests' inline protocols). */
export function processFrom<M>(h: Handlers<M>): Process<M> {
  return {
    init: (ctx) => h.init?.(ctx),
    receive: (ctx, from, msg) => h.receive?.(ctx, from, msg),
    timer: (ctx, name) => h.timer?.(ctx, name),
  };
}
