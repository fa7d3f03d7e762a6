/** `cadre check-history` end to end: exit codes 0 / 1 / 2, the explanation, bad input. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cadre } from '../cli/run-cadre.js';

let dir: string;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadre-check-history-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const GOOD = [
  'INFO  jepsen.util - 0\t:invoke\t:write\t1',
  'INFO  jepsen.util - 0\t:ok\t:write\t1',
  'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
  'INFO  jepsen.util - 1\t:ok\t:cas\t[1 2]',
  'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 2\t:ok\t:read\t2',
].join('\n');

describe('cadre check-history', () => {
  it('exits 0 on a linearizable history', () => {
    const r = cadre('check-history', file('good.log', GOOD), '--model', 'cas-register');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^linearizable: 3 operations/m);
  });

  it('exits 1 on a non-linearizable one and explains it', () => {
    const bad = GOOD.replace(':read\t2', ':read\t1');
    const r = cadre('check-history', file('bad.log', bad), '--model', 'cas-register');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /longest partial linearisation: 2 operations/);
    assert.match(r.stdout, /could not linearise: op 2 2 read\(null\) -> 1/);
  });

  it('writes the HTML view with --html', () => {
    const html = join(dir, 'view.html');
    const bad = GOOD.replace(':read\t2', ':read\t1');
    const r = cadre(
      'check-history',
      file('bad2.log', bad),
      '--model',
      'cas-register',
      '--html',
      html,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /view: .*view\.html/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /class="op ok outside blocked"/);
    assert.match(page, /verdict-not-linearizable/);
  });

  it('exits 2 naming file and line on malformed input', () => {
    const path = file('broken.log', `${GOOD}\n3 :ok :read 2`);
    const r = cadre('check-history', path, '--model', 'cas-register');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.log:7: unmatched ok: process 3 has no open invoke/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('exits 2 on an unknown model, listing the known ones', () => {
    const r = cadre('check-history', file('g.log', GOOD), '--model', 'mutex');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown model "mutex": expected one of register, cas-register, kv/);
  });

  it('exits 2 when the model cannot read an operation', () => {
    const r = cadre('check-history', file('g2.log', GOOD), '--model', 'queue');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /queue model: write\(1\)/);
  });

  it('reads EDN kv histories with --kv-absent', () => {
    const edn = [
      '{:process 0, :type :invoke, :f :get, :key "k", :value nil}',
      '{:process 0, :type :ok, :f :get, :key "k", :value ""}',
    ].join('\n');
    const path = file('kv.edn', edn);
    assert.equal(cadre('check-history', path, '--model', 'kv').code, 1);
    assert.equal(cadre('check-history', path, '--model', 'kv', '--kv-absent', '""').code, 0);
  });
});
