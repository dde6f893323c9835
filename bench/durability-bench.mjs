#!/usr/bin/env node
// `npm run bench:durability`: what "acknowledged means durable" costs. `plugin/executeCommand`
// round trips of a counting command, over stdio as an editor sends them, without a state folder
// and with one (each answer waits until the snapshot holding its effect is fsynced), one at a
// time and 32 in flight; beside them, the floor: one durable write of the same snapshot
// (temp file, fsync, rename, fsync of the folder) timed in this process, in the same run.
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { startBenchDaemon } from './benchDaemon.mjs';

const ONE_AT_A_TIME = Number(process.env.BENCH_COMMANDS ?? 400);
const IN_FLIGHT = 32;
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 3200);

const plugin = `let state = { count: 0 };
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('count.inc', () => ++state.count));
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}
const ms = (v) => `${v.toFixed(2)} ms`;

async function roundTrips(root, stateDir) {
  const dir = path.join(root, `plugins-${stateDir ? 'durable' : 'memory'}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'count.js'), plugin);
  const daemon = startBenchDaemon(dir, stateDir ? ['--state-dir', stateDir] : []);
  const loaded = daemon.next((r) => r.trigger === 'startup');
  await daemon.client.initialize('bench');
  await loaded;
  const run = async () => {
    const start = performance.now();
    await daemon.client.connection.sendRequest('plugin/executeCommand', { command: 'count.inc' });
    return performance.now() - start;
  };
  for (let i = 0; i < 50; i++) await run(); // warm-up
  const single = [];
  for (let i = 0; i < ONE_AT_A_TIME; i++) single.push(await run());
  const pipelined = [];
  const started = performance.now();
  let left = PIPELINED;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) pipelined.push(await run());
    }),
  );
  const perSecond = PIPELINED / ((performance.now() - started) / 1000);
  await daemon.stop();
  return { single, pipelined, perSecond };
}

/** The floor: one durable replacement of a small snapshot file, as the daemon does it. */
async function durableWrites(root) {
  const dir = path.join(root, 'floor');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'count.snapshot');
  const bytes = v8.serialize({
    format: 1,
    pluginId: 'count',
    value: { count: 1 },
    savedAt: new Date(),
  });
  const times = [];
  for (let i = 0; i < ONE_AT_A_TIME; i++) {
    const start = performance.now();
    const handle = await open(`${file}.tmp`, 'w', 0o600);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(`${file}.tmp`, file);
    const folder = await open(dir, 'r');
    await folder.sync();
    await folder.close();
    times.push(performance.now() - start);
  }
  return times;
}

// Beside the repository's own files: a tmpfs would make every fsync free, and this figure a lie.
const root = await mkdtemp(path.join(process.cwd(), '.bench-durability-'));
try {
  const memory = await roundTrips(root, undefined);
  const durable = await roundTrips(root, path.join(root, 'state'));
  const floor = await durableWrites(root);
  console.log(
    `reloadd durability benchmark — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}`,
  );
  console.log('');
  console.log('| What | Runs | p50 | p95 | Commands/s |');
  console.log('| --- | --- | --- | --- | --- |');
  const row = (what, values, perSecond) =>
    console.log(
      `| ${what} | ${values.length} | ${ms(percentile(values, 0.5))} | ${ms(percentile(values, 0.95))} | ${perSecond ? Math.round(perSecond) : ''} |`,
    );
  row('`plugin/executeCommand`, no state folder, one at a time', memory.single);
  row('`plugin/executeCommand`, `--state-dir`, one at a time', durable.single);
  row(
    `\`plugin/executeCommand\`, no state folder, ${IN_FLIGHT} in flight`,
    memory.pipelined,
    memory.perSecond,
  );
  row(
    `\`plugin/executeCommand\`, \`--state-dir\`, ${IN_FLIGHT} in flight`,
    durable.pipelined,
    durable.perSecond,
  );
  row('Floor: one durable snapshot write (temp, fsync, rename, fsync folder)', floor);
} finally {
  await rm(root, { recursive: true, force: true });
}
