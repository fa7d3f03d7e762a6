/**
 * `cadre kv serve` refuses bad flags with one clear line and exit code 2, before opening anything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cadre } from '../../cli/run-cadre.js';

describe('cadre kv serve: bad flags', () => {
  it('names what is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cadre-kv-cli-'));
    try {
      const data = join(dir, 'n1');
      const cases: [string[], RegExp][] = [
        [
          ['--id', 'n9', '--peers', 'n1=127.0.0.1:7101', '--data', data, '--port', '0'],
          /--id n9 has no address in --peers \(n1\)/,
        ],
        [
          ['--id', 'n1', '--peers', 'n1=127.0.0.1', '--data', data, '--port', '0'],
          /--peers n1: expected "host:port"/,
        ],
        [
          ['--id', 'n1', '--peers', 'n1=127.0.0.1:7101', '--data', data, '--port', '70000'],
          /expected a port 0-65535, got "70000"/,
        ],
        [
          ['--id', 'n1', '--peers', 'n1=127.0.0.1:7101', '--port', '0'],
          /required option '--data <dir>' not specified/,
        ],
      ];
      for (const [args, message] of cases) {
        const r = cadre('kv', 'serve', ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
