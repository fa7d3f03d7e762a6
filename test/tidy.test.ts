// Tidy: the determinism ban (DESIGN.md §2). The deterministic parts of Cadre — src/core, src/sim,
// src/lineage, src/ldfi, src/check, src/storage — and the examples must not read real time, real
// randomness or schedule real callbacks: one run must be a pure function of (spec, seed, plan).
// This test scans every .ts file there, skipping comment lines, and lists each hit as file:line.
// The matcher itself is tested on planted violations so the scan cannot silently match nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';

const root = join(import.meta.dirname, '..');
const scanned = [
  'src/core',
  'src/sim',
  'src/lineage',
  'src/ldfi',
  'src/check',
  'src/storage',
  'src/stores/raft',
  'src/stores/kv',
  'examples',
  'src/stores/cache',
  'src/report',
  'src/stores/primitives',
];
/** Drivers inside scanned directories: they run on real machines and may use real time. */
const drivers = [
  'src/stores/kv/net',
  'src/stores/cache/server.ts',
  'src/stores/primitives/net',
  'examples/job-board',
];

/** Banned APIs: each is a source of non-determinism (real time, real randomness, real timers). */
const banned: readonly [string, RegExp][] = [
  ['Date.now', /\bDate\.now\b/],
  ['new Date(', /\bnew\s+Date\s*\(/],
  ['Math.random', /\bMath\.random\b/],
  ['setTimeout', /\bsetTimeout\b/],
  ['setInterval', /\bsetInterval\b/],
  ['setImmediate', /\bsetImmediate\b/],
  ['process.hrtime', /\bprocess\.hrtime\b/],
  ['performance.now', /\bperformance\.now\b/],
  ['randomBytes', /\brandomBytes\b/],
  ['randomUUID', /\brandomUUID\b/],
  ['getRandomValues', /\bgetRandomValues\b/],
  ['crypto.random*', /\bcrypto\.random\w*/],
];

/**
 * The banned APIs used by `source`, as `line: name` pairs (1-based lines). Comment lines — `//`
 * lines, and lines inside or starting a block comment — are skipped, as are block comments closed
 * on the same line and the text of string literals.
 */
export function findBanned(source: string): { line: number; name: string }[] {
  const hits: { line: number; name: string }[] = [];
  let inBlock = false;
  source.split('\n').forEach((raw, i) => {
    let text = raw;
    if (inBlock) {
      const close = text.indexOf('*/');
      if (close < 0) return;
      text = text.slice(close + 2);
      inBlock = false;
    }
    // Drop string literals (a message may name a banned API; a template with `${…}` is kept, since
    // its expressions are code), then complete /* … */ spans; an unclosed /* opens a block.
    text = text.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\$]|\\.|\$(?!\{))*`/g, "''");
    text = text.replace(/\/\*.*?\*\//g, ' ');
    const open = text.indexOf('/*');
    if (open >= 0) {
      text = text.slice(0, open);
      inBlock = true;
    }
    const trimmed = text.trimStart();
    if (trimmed.startsWith('//') || trimmed.startsWith('*')) return;
    for (const [name, pattern] of banned) if (pattern.test(text)) hits.push({ line: i + 1, name });
  });
  return hits;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('tidy', () => {
  test('the matcher catches planted violations', () => {
    const planted = [
      'const t = Date.now();',
      'const r = Math.random() * 2;',
      'setTimeout(() => done(), 10);',
      'const h = setInterval(tick, 5);',
      'setImmediate(next);',
      'const [s, ns] = process.hrtime();',
      'const big = process.hrtime.bigint();',
      'const p = performance.now();',
      "import { randomBytes } from 'node:crypto';",
      'const id = crypto.randomUUID();',
      'globalThis.crypto.getRandomValues(buf);',
      'const n = crypto.randomInt(10);',
      'const d = new Date();',
      'const e = new Date (0);',
      'foo(); /* fine */ Date.now();',
      'const at = `$' + '{Date.now()}`;', // a template expression is code
      "const glob = 'src/**/*.ts'; Date.now();",
    ];
    planted.forEach((line) => {
      assert.equal(findBanned(line).length > 0, true, `should flag: ${line}`);
    });
    assert.deepEqual(findBanned('ok();\nconst t = Date.now();\n'), [{ line: 2, name: 'Date.now' }]);
  });

  test('the matcher skips comments and look-alikes', () => {
    const clean = [
      '// Date.now would break determinism',
      '   // Math.random() is banned',
      ' * no setTimeout here: a JSDoc line',
      '/* performance.now */ const x = 1;',
      '/** new Date( in a doc comment */',
      'const myDate = x.nowish;',
      'const rng = prng.random();',
      "import { createHash } from 'node:crypto';",
      'const setTimeoutMs = 5;',
      'const updated = new Dated();',
      "throw new Error('does it use Date.now or Math.random?');",
      'const m = "setTimeout is banned";',
      'const t = `a plain template naming Date.now`;',
    ];
    clean.forEach((line) => {
      assert.deepEqual(findBanned(line), [], `should not flag: ${line}`);
    });
    assert.deepEqual(findBanned('/*\n Date.now()\n Math.random()\n*/\nconst ok = 1;'), []);
    assert.deepEqual(findBanned('/*\n*/ setTimeout(f);'), [{ line: 2, name: 'setTimeout' }]);
  });

  test('no banned non-deterministic API in the deterministic parts', () => {
    const files = scanned
      .flatMap((d) => tsFiles(join(root, d)))
      .filter((f) => !drivers.some((d) => f.startsWith(join(root, d))));
    assert.ok(files.length > 20, `scanned ${files.length} files`);
    const problems: string[] = [];
    for (const file of files) {
      for (const hit of findBanned(readFileSync(file, 'utf8'))) {
        problems.push(`${relative(root, file)}:${hit.line}: ${hit.name}`);
      }
    }
    assert.deepEqual(problems, [], `non-deterministic APIs found:\n${problems.join('\n')}`);
  });
});
