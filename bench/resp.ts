/**
 * RESP server throughput: redis-benchmark (50 clients, SET and GET, pipeline depth 1 and 16)
 * against Cadre's RespServer serving the test suite's Map-backed demo commands, and against
 * Debian's redis-server started here on a free port (no persistence), side by side: the two
 * targets alternate within each round so machine load hits both alike. Prints requests per second
 * per round, the medians, and Cadre/Redis ratios.
 *
 * Usage: node --import tsx bench/resp.ts [requestsPerRun=100000] [rounds=3]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { RespServer } from '../src/resp/index.js';
import { type DemoState, demoCommands } from '../test/resp/demo-store.js';

const requests = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const CLIENTS = 50;
const PIPELINES = [1, 16];
const TESTS = ['SET', 'GET'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function benchmark(port: number, pipeline: number): Promise<Record<string, number>> {
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    String(CLIENTS),
    '-n',
    String(requests),
  ];
  args.push('-P', String(pipeline), '-t', TESTS.join(',').toLowerCase(), '-q');
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { timeout: 600_000 }, (error, stdout) => {
      if (error) return reject(error);
      const out: Record<string, number> = {};
      for (const test of TESTS) {
        const matches = [
          ...stdout.matchAll(new RegExp(`${test}: ([\\d.]+) requests per second`, 'g')),
        ];
        const last = matches.at(-1);
        if (last === undefined) return reject(new Error(`no ${test} figure in: ${stdout}`));
        out[test] = Number(last[1]);
      }
      resolve(out);
    });
  });
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) =>
      execFile('redis-cli', ['-p', String(port), 'PING'], (error, stdout) =>
        resolve(!error && stdout.trim() === 'PONG'),
      ),
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

let redis: ChildProcess | undefined;
const server = new RespServer<DemoState>({
  commands: demoCommands(),
  createState: () => ({ commands: 0 }),
  config: { save: '', appendonly: 'no' },
});
try {
  const { port: cadrePort } = await server.listen(0);
  const redisPort = await freePort();
  redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitForRedis(redisPort);
  console.log(
    `redis-benchmark -c ${CLIENTS} -n ${requests} -t set,get, pipeline ${PIPELINES.join(' and ')}, ${rounds} rounds; cadre demo RespServer on :${cadrePort}, redis-server on :${redisPort}`,
  );
  // results[target][pipeline][test] = rps per round
  const results: Record<string, Record<number, Record<string, number[]>>> = {
    cadre: {},
    redis: {},
  };
  for (let round = 1; round <= rounds; round++) {
    for (const pipeline of PIPELINES) {
      for (const [target, port] of [
        ['cadre', cadrePort],
        ['redis', redisPort],
      ] as const) {
        const got = await benchmark(port, pipeline);
        const byTest = (results[target]![pipeline] ??= {});
        for (const test of TESTS) (byTest[test] ??= []).push(got[test]!);
        console.log(
          `round ${round} -P ${String(pipeline).padStart(2)} ${target.padEnd(5)} ${TESTS.map((t) => `${t} ${got[t]!.toFixed(0)}/s`).join('  ')}`,
        );
      }
    }
  }
  console.log(
    '\n| pipeline | command | cadre rps (median) | redis rps (median) | cadre / redis | per-round ratios |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const pipeline of PIPELINES) {
    for (const test of TESTS) {
      const c = results.cadre![pipeline]![test]!;
      const r = results.redis![pipeline]![test]!;
      const ratios = c.map((x, i) => (x / r[i]!).toFixed(2)).join(', ');
      console.log(
        `| -P ${pipeline} | ${test} | ${median(c).toFixed(0)} | ${median(r).toFixed(0)} | ${(median(c) / median(r)).toFixed(2)} | ${ratios} |`,
      );
    }
  }
} finally {
  redis?.kill('SIGTERM');
  await server.close();
}
