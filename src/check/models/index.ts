import type { AnyModel } from '../model.js';
import { kvModel } from './kv.js';
import { queueModel } from './queue.js';
import { casRegisterModel, registerModel } from './register.js';
import { setModel } from './set.js';

/** The built-in models by name (the names `cadre check-history --model` accepts). */
export const MODELS: { readonly [name: string]: () => AnyModel } = {
  register: () => registerModel(),
  'cas-register': () => casRegisterModel(),
  kv: () => kvModel(),
  set: () => setModel(),
  queue: () => queueModel(),
};

/** The built-in model called `name`, or undefined. */
export function modelByName(name: string): AnyModel | undefined {
  return Object.hasOwn(MODELS, name) ? MODELS[name]?.() : undefined;
}
