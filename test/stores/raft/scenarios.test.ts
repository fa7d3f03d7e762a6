// Runs every interaction script in test/stores/raft/scenarios (see scenario.ts for the format).
// REWRITE=1 writes the actual outputs back into the scripts (review the diff before keeping it).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseScript, RaftScenario, runScript, ScenarioError } from './scenario.js';

const dir = join(import.meta.dirname, 'scenarios');

describe('raft interaction scripts', () => {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    it(file, () => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const { actual, mismatches } = runScript(text);
      if (process.env.REWRITE === '1') {
        writeFileSync(path, actual);
        return;
      }
      assert.deepEqual(mismatches, [], `${file}: outputs differ`);
    });
  }

  it('Figure 8: committing by counting breaks state-machine safety; the §5.4.2 rule does not', () => {
    const run = (file: string) => runScript(readFileSync(join(dir, file), 'utf8')).actual;
    assert.match(
      run('figure8-buggy.txt'),
      /VIOLATION state-machine safety: 1 applied 2\/1 a, \d applied 2\/2 noop/,
    );
    assert.doesNotMatch(run('figure8.txt'), /VIOLATION/);
    for (const file of readdirSync(dir).filter(
      (f) => f.endsWith('.txt') && f !== 'figure8-buggy.txt',
    )) {
      assert.doesNotMatch(run(file), /VIOLATION/, file);
    }
  });

  it('rejects malformed scripts and unknown commands with the line', () => {
    assert.throws(() => parseScript('status\nok\n'), /line 2: expected ----/);
    assert.throws(() => new RaftScenario().run('fly 1'), ScenarioError);
    const s = new RaftScenario();
    s.run('nodes 1 2');
    assert.throws(() => s.run('campaign 9'), /unknown node "9"/);
  });
});
