#!/usr/bin/env node
// How soon an editor that spawns reloadd is answered: spawn `dist/cli.js serve --stdio` on an
// empty plugins folder, write `initialize`, time its answer's first byte; beside it, spawning
// `node -e 0`, the least any Node program takes. `node bench/initialize-bench.mjs [SPAWNS]`;
// with BENCH_BASELINE=other/dist/cli.js, that build too, spawned in turn with this one.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildsToCompare } from './benchDaemon.mjs';

const spawns = Number(process.argv[2] ?? 7);
const dir = await mkdtemp(path.join(os.tmpdir(), 'reloadd-initialize-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function initializeOnce(cli) {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'serve', '--stdio', '--plugins', dir], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { processId: null, capabilities: {}, protocolVersion: '1' },
  });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const answered = performance.now() - started;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return answered;
}

async function bareNodeOnce() {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return performance.now() - started;
}

try {
  const builds = buildsToCompare().map(([name, cli], k) => [
    k === 0 ? '`reloadd serve --stdio`' : `\`${name} serve --stdio\``,
    cli,
  ]);
  const answers = builds.map(() => []);
  const bare = [];
  // In turn, so that a slow moment of the machine falls on all.
  for (let i = 0; i < spawns; i++) {
    for (const [k, [, cli]] of builds.entries()) answers[k].push(await initializeOnce(cli));
    bare.push(await bareNodeOnce());
  }
  console.log(
    [
      `Spawn → \`initialize\` answered, median of ${spawns} — node ${process.version}, ${os.cpus().length} cores`,
      '',
      '| What | Median |',
      '| --- | --- |',
      ...builds.map(
        ([name], k) =>
          `| ${name}, empty plugins folder: spawn → the answer's first byte | ${median(answers[k]).toFixed(0)} ms |`,
      ),
      `| \`node -e 0\`: spawn → exit | ${median(bare).toFixed(0)} ms |`,
    ].join('\n'),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
