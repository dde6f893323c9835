// Shared by the measures: plugins written to a temp folder, the built daemon spawned over stdio
// (bench/benchDaemon.mjs) with every `plugin/didReload` stamped as it arrives, percentiles, and
// the Markdown of a table.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildsToCompare, startBenchDaemon } from '../benchDaemon.mjs';

export { sleep };

/** Nearest rank: sorted[ceil(p·n) − 1]. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export const row = (what, values) => ({
  what,
  runs: values.length,
  p50: percentile(values, 0.5),
  p95: percentile(values, 0.95),
  p99: percentile(values, 0.99),
});

/** Sleeps until performance.now() reaches `at`: saves keep their spacing whatever a write costs. */
export async function sleepUntil(at) {
  const wait = at - performance.now();
  if (wait > 0) await sleep(wait);
}

/** Writes a plugin folder: its manifest and `files` (name → text). */
export async function writePlugin(dir, id, files, manifest = {}) {
  const folder = path.join(dir, id);
  await mkdir(folder, { recursive: true });
  await writeFile(
    path.join(folder, 'plugin.json'),
    JSON.stringify({ id, version: '1.0.0', main: 'index.js', ...manifest }),
  );
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
}

/**
 * The plugin of bench/reload-bench.mjs, except that its state is filled by a command: every
 * generation runs the same module code whatever the state holds, so a measure that varies the
 * state varies nothing else. `get` reports which version is active.
 */
export const statefulPluginSource = (id, version) => `import { helper } from './helper.js';
const VERSION = ${JSON.stringify(version)};
let state = { count: 0, items: [] };
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('${id}.get', () => ({ version: VERSION, items: state.items.length, help: helper() })),
    ctx.commands.register('${id}.fill', (n) => {
      state.items = Array.from({ length: n }, (_, i) => ({ i, label: 'item ' + i }));
      return state.items.length;
    }),
  );
  ctx.subscriptions.push(ctx.events.on('buffer:changed', () => { state.count += 1; }));
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;

export const writeStatefulPlugin = (dir, id, version) =>
  writePlugin(dir, id, {
    'helper.js': 'export const helper = () => 42;\n',
    'index.js': statefulPluginSource(id, version),
  });

/**
 * The daemon of benchDaemon.mjs, plus: `reloads`, every didReload with `at` = performance.now()
 * when it arrived; `waitFor(check)`, resolved with the first truthy `check(reloads)`, rejected at
 * its time limit or when the daemon exits; `command(name, ...args)`; and a `stop` that cannot
 * hang (SIGKILL to our own child if shutdown does not end it).
 */
export function startDaemon(dir, extraArgs = [], cli = undefined) {
  const daemon = startBenchDaemon(dir, extraArgs, cli);
  const { client, child } = daemon;
  const reloads = [];
  const waiters = new Set();
  // Nobody else reads the daemon's stderr: drained, or a chatty daemon would block on a full
  // pipe; the tail goes into errors.
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-2000);
  });
  client.onNotification({ method: 'plugin/didReload' }, (params) => {
    reloads.push({ ...params, at: performance.now() });
    for (const waiter of [...waiters]) waiter.attempt();
  });
  /** Every plugin/publishDiagnostics, with when it came. */
  const published = [];
  client.onNotification({ method: 'plugin/publishDiagnostics' }, (params) => {
    published.push({ ...params, at: performance.now() });
  });
  child.once('exit', (code, signal) => {
    for (const waiter of [...waiters]) waiter.fail(`the daemon exited (${code ?? signal})`);
  });

  const waitFor = (check, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const waiter = {
        attempt() {
          const value = check(reloads);
          if (value) finish(() => resolve(value));
        },
        fail(why) {
          finish(() => reject(new Error(`${why} waiting for ${what}; stderr: ${stderrTail}`)));
        },
      };
      const timer = setTimeout(() => waiter.fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const finish = (settle) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        settle();
      };
      waiters.add(waiter);
      waiter.attempt();
    });

  /** The next didReload after now that `match` accepts. */
  const nextReload = (match, timeoutMs, what) => {
    const after = reloads.length;
    return waitFor((all) => all.slice(after).find(match), timeoutMs, what);
  };

  const command = (name, ...args) =>
    client.connection.sendRequest('plugin/executeCommand', { command: name, args });

  /** `initialize` + `initialized`, then every id's startup load (ok or not). */
  const ready = async (ids, timeoutMs = 60_000) => {
    await client.initialize('bench-measures');
    const loaded = await waitFor(
      (all) => {
        const seen = all.filter((r) => r.trigger === 'startup' && ids.includes(r.id));
        return new Set(seen.map((r) => r.id)).size === ids.length && seen;
      },
      timeoutMs,
      `the startup of ${ids.length} plugins`,
    );
    const failed = loaded.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`startup failed: ${JSON.stringify(failed[0].error)}`);
  };

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return client.dispose();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      await client.shutdown();
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(killer);
    client.dispose();
  };

  return { client, child, reloads, published, waitFor, nextReload, command, ready, stop };
}

/**
 * `saves` saves of the stateful plugin `id` in `file`, `gapMs` apart, each with a version of its
 * own (`s0`, `s1`, …); `afterSave(i)` runs right after each write. Returns when each began.
 */
export async function saveEvery(file, id, { saves, gapMs, afterSave = async () => {}, log, what }) {
  const savedAt = [];
  const start = performance.now() + gapMs;
  for (let i = 0; i < saves; i++) {
    await sleepUntil(start + i * gapMs);
    savedAt.push(performance.now());
    await writeFile(file, statefulPluginSource(id, `s${i}`));
    await afterSave(i);
    if (i % 50 === 49) log(`${what}: ${i + 1}/${saves} saves`);
  }
  return savedAt;
}

/** Each save's window runs until the next save (the last one's, to the end): its reloads. */
export function saveWindows(savedAt, reloads) {
  return savedAt.map((at, i) => {
    const end = savedAt[i + 1] ?? Number.POSITIVE_INFINITY;
    return { at, index: i, reloads: reloads.filter((r) => r.at >= at && r.at < end) };
  });
}

/** Polls `check` every `intervalMs` until it is true; false at the time limit. Errors: false. */
export async function pollUntil(check, timeoutMs, intervalMs = 10) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await sleep(intervalMs);
  }
  return false;
}

/** A process and its descendants (ppid from /proc/PID/stat), with each one's stat fields. */
function processTree(rootPid) {
  const fieldsOf = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      fieldsOf.set(Number(name), statFields(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, fields] of fieldsOf) if (Number(fields[1]) === tree[i]) tree.push(pid);
  }
  return tree.filter((pid) => fieldsOf.has(pid)).map((pid) => ({ pid, fields: fieldsOf.get(pid) }));
}

/** Fields of a /proc stat line after the command name, which may hold spaces and parentheses. */
function statFields(stat) {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU used so far by what a stat line describes (utime + stime: fields 14 and 15), in ms. */
function cpuOf(fields) {
  const tick = 1000 / 100; // USER_HZ, 100 on Linux
  return (Number(fields[11]) + Number(fields[12])) * tick;
}

/**
 * CPU time a process and its descendants have used so far (user + system, every thread), in ms:
 * the daemon's threads and esbuild's service. Its difference over a span of work, divided by
 * what was done, is what the work costs the machine, however many cores share it.
 */
export function treeCpuMs(rootPid) {
  return processTree(rootPid).reduce((sum, { fields }) => sum + cpuOf(fields), 0);
}

/**
 * The same, thread by thread: `{ main, threads: Map<tid, ms>, children }` — the process's own
 * main thread, its other threads (the plugin hosts, V8's and libuv's helpers), and its
 * descendants (esbuild's service) together.
 */
export function threadCpuMs(rootPid) {
  const cpu = (file) => cpuOf(statFields(readFileSync(file, 'utf8')));
  const threads = new Map();
  let main = 0;
  for (const tid of readdirSync(`/proc/${rootPid}/task`)) {
    try {
      const ms = cpu(`/proc/${rootPid}/task/${tid}/stat`);
      if (Number(tid) === rootPid) main = ms;
      else threads.set(Number(tid), ms);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  const children = treeCpuMs(rootPid) - cpu(`/proc/${rootPid}/stat`);
  return { main, threads, children };
}

/** Resident set size of a process and its descendants, in MB. */
export function treeRss(rootPid) {
  const tree = processTree(rootPid).map((p) => p.pid);
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // As above.
    }
  }
  return { mb: kb / 1024, processes: tree.length };
}

/** Stops every daemon, even when one of them fails to stop. */
export async function stopAll(daemons) {
  await Promise.allSettled(daemons.map((d) => d.stop()));
}

export const ms = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(1)} ms`);

export function table(headers, rows) {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

/** The usual table of latency rows ({what, runs, p50, p95, p99}). */
export const latencyTable = (rows) =>
  table(
    ['What', 'Runs', 'p50', 'p95', 'p99'],
    rows.map((r) => [r.what, r.runs, ms(r.p50), ms(r.p95), ms(r.p99)]),
  );

/**
 * Runs one measure when its file is run directly (`node bench/measures/burst.mjs [--quick]`) and
 * prints its table; does nothing when the file is imported.
 */
export async function runAlone(moduleUrl, measure, format) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const quick = process.argv.includes('--quick');
  // With BENCH_BASELINE=other/dist/cli.js, this build and that one take turns, two sittings
  // each, so that a slow moment of the machine falls on both (measures that take `cli`).
  const builds = buildsToCompare();
  const sittings = builds.length > 1 ? 2 : 1;
  for (let sitting = 1; sitting <= sittings; sitting++) {
    for (const [name, cli] of builds) {
      const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-measure-'));
      try {
        const result = await measure(root, { quick, cli, log: (line) => console.error(line) });
        if (builds.length > 1) console.log(`\n### ${name}, sitting ${sitting}\n`);
        console.log(format(result));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }
  }
}
