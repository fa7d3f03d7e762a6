// The "From code" example of docs/guide/reports.md, run as written (imports from the package's
// entry point) on the run data of a fresh `cadre verify examples/retry-deliv.ts`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { graphvizLayout, loadReportInput, renderReport } from '../../src/index.js';
import { cadre } from '../cli/run-cadre.js';

test('docs/guide/reports.md: rendering saved run data from code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-report-guide-'));
  try {
    assert.equal(cadre('verify', 'examples/retry-deliv.ts', '--out', join(dir, 'data')).code, 1);
    const input = loadReportInput(join(dir, 'data'));
    const { html, files } = renderReport(input, { layout: await graphvizLayout() });
    writeFileSync(join(dir, 'report.html'), html);
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.name)), { recursive: true });
      writeFileSync(join(dir, f.name), f.content);
    }
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /COUNTEREXAMPLE/);
    assert.ok(existsSync(join(dir, 'report.exports/counterexample-1.lineage.dot')));
    assert.deepEqual(
      input.runs.map((r) => r.id),
      ['counterexample-1', 'failure-free'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
