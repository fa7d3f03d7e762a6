import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineSpec, type Spec, SpecError } from '../core/spec.js';
import { UsageError } from './errors.js';

/** A spec loaded from a file, with the path as the user wrote it (for reproduce commands). */
export interface LoadedSpec {
  readonly spec: Spec<unknown>;
  /** The path as given on the command line. */
  readonly file: string;
  /** The absolute path. */
  readonly path: string;
}

const specUsage =
  'a spec file must `export default defineSpec({...})` or `export const spec = defineSpec({...})`';

/**
 * Imports a spec file (TypeScript or JavaScript; tsx is registered by bin/cadre.js) relative to the
 * working directory and validates its spec with `defineSpec`. Accepts `export default` or a named
 * export `spec`. Every failure is a {@link UsageError} that names the file.
 */
export async function loadSpec(file: string): Promise<LoadedSpec> {
  const path = resolve(file);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`spec file not found: ${file} (looked for ${path})`);
  }
  if (!stats.isFile()) throw new UsageError(`spec file ${file} is not a file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load spec file ${file}: ${describeLoadError(e, path)}`);
  }
  const [where, candidate] = pickSpec(mod, file);
  try {
    return { spec: defineSpec(candidate as Spec<unknown>), file, path };
  } catch (e) {
    if (e instanceof SpecError)
      throw new UsageError(`${file}: ${where} is not a valid spec: ${e.message}`);
    throw e;
  }
}

/** Chooses the export holding the spec: `default`, else `spec`. */
function pickSpec(mod: Record<string, unknown>, file: string): [string, object] {
  const candidates: [string, unknown][] = [
    ['the default export', mod.default],
    ['the export "spec"', mod.spec],
  ];
  // A module compiled as CommonJS shows up with its exports object as the default export.
  const inner = mod.default;
  if (isObject(inner) && !looksLikeSpec(inner)) {
    candidates.push(['the default export\'s "default"', inner.default]);
    candidates.push(['the default export\'s "spec"', inner.spec]);
  }
  for (const [where, value] of candidates)
    if (looksLikeSpec(value)) return [where, value as object];
  const exported = Object.keys(mod).sort();
  const what =
    exported.length === 0
      ? 'it exports nothing'
      : `it exports ${exported.map((k) => `${k} (${describeValue(mod[k])})`).join(', ')}`;
  const hint = candidates.some(([, v]) => v !== undefined)
    ? '; a spec is the object returned by defineSpec, with name, nodes, process and time'
    : '';
  throw new UsageError(`${file} exports no spec: ${what}; ${specUsage}${hint}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An object with a spec's keys; `defineSpec` then says precisely what is wrong with it. */
function looksLikeSpec(v: unknown): boolean {
  return isObject(v) && 'nodes' in v && 'process' in v;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** The error's message plus, for errors thrown by the user's code, where in the file it was. */
function describeLoadError(e: unknown, path: string): string {
  if (!(e instanceof Error)) return String(e);
  const frame = e.stack?.split('\n').find((l) => l.includes(path));
  const at = frame?.trim().replace(/^at\s+/, '');
  return at === undefined || e.message.includes(path) ? e.message : `${e.message} (at ${at})`;
}
