#!/usr/bin/env node
// `npm run bench:durability`: what "acknowledged means durable" costs. `plugin/executeCommand`
// round trips of a counting command, over stdio as an editor sends them, without a state folder
// and with one (each answer waits until the snapshot holding its effect is fsynced), one at a
// time and 32 in flight; beside them, the floor: one durable write of the same snapshot
// (temp file, fsync, rename, fsync of the folder) timed in this process, in the same run.
// Then the SIGKILL rounds (test/e2e/state/durability.test.ts runs a sample of them):
// BENCH_KILL_ROUNDS daemons on one state folder, each SIGKILLed mid-work, each restart checked
// against the highest count acknowledged before it. Then the disk faults (as root: they mount): a
// state folder on a 1 MiB tmpfs that fills up while commands run, and one remounted read-only
// mid-run; after a restart, how many acknowledged increments are missing (must be 0), and how the
// others were answered.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { startBenchDaemon } from './benchDaemon.mjs';
import { fillUp, growingCounter, mount, remountReadOnly } from './diskFaults.mjs';
import { countingPlugin, incrementUntilKilled, killPlan, restoredState } from './killRounds.mjs';

const ONE_AT_A_TIME = Number(process.env.BENCH_COMMANDS ?? 400);
const IN_FLIGHT = 32;
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 3200);
/** Answers counted from the moment the disk fails, per fault round. */
const AFTER_FAULT = Number(process.env.BENCH_FAULT_COMMANDS ?? 2000);
const BEFORE_FAULT = 200;
/** SIGKILL rounds: every way of killing, many times over. */
const KILL_ROUNDS = Number(process.env.BENCH_KILL_ROUNDS ?? 24);

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

async function stateAfterRestart(plugins, stateDir) {
  const daemon = startBenchDaemon(plugins, ['--state-dir', stateDir]);
  const loaded = daemon.next((r) => r.trigger === 'startup');
  await daemon.client.initialize('bench');
  await loaded;
  const { state } = await daemon.client.connection.sendRequest('plugin/getState', { id: 'count' });
  await daemon.stop();
  return state.count;
}

/** A daemon on `stateDir`, with its end as a promise, started and loaded. */
async function startCounting(plugins, stateDir) {
  const daemon = startBenchDaemon(plugins, ['--state-dir', stateDir]);
  const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
  const loaded = daemon.next((r) => r.trigger === 'startup');
  await daemon.client.initialize('bench');
  await loaded;
  return { ...daemon, exited };
}

/**
 * KILL_ROUNDS SIGKILLs on one state folder; per restart, whether it restored less than was
 * acknowledged before it, a corrupt snapshot, or temp files.
 */
async function killRounds(root) {
  const plugins = path.join(root, 'plugins-killed');
  await mkdir(plugins, { recursive: true });
  await writeFile(path.join(plugins, 'count.js'), countingPlugin);
  const stateDir = path.join(root, 'state-killed');
  const tally = { restarts: 0, below: 0, corrupt: 0, tempFiles: 0 };
  let acknowledged = 0;
  const check = async (daemon) => {
    const restored = await restoredState(daemon, stateDir);
    tally.restarts += 1;
    if (restored.count < acknowledged) tally.below += 1;
    if (restored.corrupt.length > 0) tally.corrupt += 1;
    if (restored.tempFiles.length > 0) tally.tempFiles += 1;
  };
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const daemon = await startCounting(plugins, stateDir);
    await check(daemon);
    acknowledged = await incrementUntilKilled(daemon, killPlan(round), acknowledged);
  }
  const last = await startCounting(plugins, stateDir);
  await check(last);
  await last.stop();
  return { ...tally, acknowledged };
}

/**
 * One fault round: increments over IN_FLIGHT lanes; after BEFORE_FAULT successes the disk fails
 * (`full`: the tmpfs is filled; `readOnly`: the folder is remounted read-only), and AFTER_FAULT
 * more answers are counted. Then the daemon is SIGKILLed (full) or stopped (read-only), the disk
 * is given back, and a restarted daemon's count is compared with the highest acknowledged.
 */
async function faultRound(root, fault) {
  const plugins = path.join(root, `plugins-${fault}`);
  await mkdir(plugins, { recursive: true });
  await writeFile(path.join(plugins, 'count.js'), growingCounter('count.inc'));
  const mountPoint = path.join(root, `disk-${fault}`);
  await mkdir(mountPoint, { mode: 0o700 });
  if (fault === 'full') mount('-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mountPoint);
  else mount('--bind', mountPoint, mountPoint);
  try {
    const stateDir = path.join(mountPoint, 'state');
    const daemon = startBenchDaemon(plugins, ['--state-dir', stateDir]);
    // Its log is read (a daemon that logged every failed write would fill the pipe and stall),
    // and its end is watched: a daemon that dies mid-round fails the round, with its last words.
    let lastWords = '';
    daemon.child.stderr.on('data', (chunk) => {
      lastWords = (lastWords + chunk).slice(-2000);
    });
    let ending = false;
    const exited = new Promise((resolve) => daemon.child.once('exit', (code) => resolve(code)));
    const died = exited.then((code) => {
      if (!ending)
        throw new Error(`the daemon ended (${code}) in the ${fault} round: ${lastWords}`);
    });
    const loaded = daemon.next((r) => r.trigger === 'startup');
    await daemon.client.initialize('bench');
    await loaded;
    const tally = { answers: 0, successes: 0, afterFault: 0, acknowledgedAfterFault: 0 };
    const errors = new Map();
    let highest = 0;
    let faulted = false;
    let faulting;
    let filler;
    const lanes = Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (tally.afterFault < AFTER_FAULT) {
          const answer = await daemon.client.connection
            .sendRequest('plugin/executeCommand', { command: 'count.inc' })
            .then(
              (value) => ({ value }),
              (error) => ({ code: error.data?.code ?? String(error.code) }),
            );
          tally.answers += 1;
          if (faulted) tally.afterFault += 1;
          if ('value' in answer) {
            tally.successes += 1;
            if (faulted) tally.acknowledgedAfterFault += 1;
            highest = Math.max(highest, answer.value);
          } else errors.set(answer.code, (errors.get(answer.code) ?? 0) + 1);
          if (tally.successes >= BEFORE_FAULT && !faulting) {
            faulting = (async () => {
              if (fault === 'full') filler = await fillUp(mountPoint);
              else remountReadOnly(mountPoint);
              faulted = true;
            })();
          }
        }
      }),
    );
    await Promise.race([lanes, died]);
    ending = true;
    let stopExitCode = null;
    if (fault === 'full') {
      daemon.child.kill('SIGKILL');
      await exited;
      daemon.client.dispose();
      await rm(filler);
    } else {
      await daemon.client.shutdown();
      stopExitCode = await exited;
      daemon.client.dispose();
      mount('-o', 'remount,rw,bind', mountPoint);
    }
    const restored = await stateAfterRestart(plugins, stateDir);
    return { fault, ...tally, errors, highest, restored, stopExitCode };
  } finally {
    execFileSync('umount', [mountPoint]);
  }
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

  const killed = await killRounds(root);
  console.log('');
  console.log(
    `SIGKILL rounds: ${KILL_ROUNDS} daemons on one state folder, each killed right after an answer or at a moment nobody chose, with reloads running or not; ${killed.acknowledged} increments acknowledged in all.`,
  );
  console.log('');
  console.log(
    '| Restarts | Restored below the last acknowledged | Corrupt snapshots | Temp files left |',
  );
  console.log('| --- | --- | --- | --- |');
  console.log(`| ${killed.restarts} | ${killed.below} | ${killed.corrupt} | ${killed.tempFiles} |`);

  console.log('');
  if (process.getuid?.() !== 0) {
    console.log('Disk faults: skipped, they mount a tmpfs and a bind mount (run as root).');
  } else {
    const rounds = [await faultRound(root, 'full'), await faultRound(root, 'readOnly')];
    const what = {
      full: 'Disk full (1 MiB tmpfs filled mid-run), then SIGKILL',
      readOnly: 'Folder remounted read-only mid-run, then stopped',
    };
    console.log(
      `Disk faults: ${IN_FLIGHT} commands in flight; the disk fails after ${BEFORE_FAULT} successes, and ${AFTER_FAULT} answers are counted from then on.`,
    );
    console.log('');
    console.log(
      '| Fault | Answers | Successes (after the fault) | `RELOADD_STATE_NOT_WRITTEN` | Other errors | Highest acknowledged | Count after restart | Acknowledged lost |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rounds) {
      const notWritten = r.errors.get('RELOADD_STATE_NOT_WRITTEN') ?? 0;
      const other = [...r.errors.values()].reduce((a, b) => a + b, 0) - notWritten;
      const lost = Math.max(0, r.highest - r.restored);
      const exit = r.stopExitCode === null ? '' : ` (stop's exit code ${r.stopExitCode})`;
      console.log(
        `| ${what[r.fault]}${exit} | ${r.answers} | ${r.successes} (${r.acknowledgedAfterFault}) | ${notWritten} | ${other} | ${r.highest} | ${r.restored} | ${lost} |`,
      );
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
