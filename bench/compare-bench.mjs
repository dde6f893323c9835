#!/usr/bin/env node
// Save → new version active, for reloadd and the tools people would use instead, in one run:
// the floor (chokidar + esbuild + a vm realm, nothing else), Vite's HMR through its ModuleRunner
// (with and without a state handover), `bun --hot`, hot-hook, dynohot, `deno run --watch-hmr`,
// and nodemon, `node --watch` and `tsx watch` restarting a plugin host. Bun, Deno, hot-hook and
// dynohot are no dependencies of the project: the bench installs them with npm into
// `.bench-peers/` (`compare/peers.mjs`); one that cannot be installed or started here is a row
// saying why, and the others run. Every tool runs for the whole
// run in its own temp folder with its own copy of the same plugin, and the saves are interleaved
// (one save for each tool in turn, each waited for), so a slow moment of the machine falls on all
// of them alike instead of on whichever tool happened to run then.
//
// `node bench/compare-bench.mjs` prints a Markdown table (BENCH_SAVES=N for N saves per tool;
// BENCH_TOOLS=reloadd,floor,… for some of the tools; BENCH_BASELINE=other/dist/cli.js adds another
// build of reloadd, measured save for save beside this one: an A/B in one run);
// `runComparison()` returns the rows for another script to print. Never part of `npm test`.
import { rmSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { killAllNow } from './compare/lineTool.mjs';
import { comparedTools } from './compare/tools.mjs';

/** Saves per tool before the measured ones: the first builds and imports are cold everywhere. */
const WARMUP = 3;
/** Between two saves (of any tools): keeps a tool's trailing work out of the next tool's save. */
const GAP_MS = 150;
/** After every tool is up: their watchers may still be scanning when the first line is out. */
const SETTLE_MS = 1000;
/** A tool that misses this many saves in a row is dropped from the rest of the run. */
const MAX_MISSES_IN_A_ROW = 3;

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

const alive = (child) => child.exitCode === null && child.signalCode === null;

/** Starts the tools one at a time: on two cores, starting them together would time contention. */
async function startAll(tools, root, sessions, log) {
  const failures = new Map();
  for (const tool of tools) {
    log(`starting ${tool.key}`);
    try {
      sessions.set(tool.key, await tool.start(path.join(root, tool.key)));
    } catch (error) {
      failures.set(tool.key, error.message);
      log(`${tool.key} did not start: ${error.message}`);
    }
  }
  return failures;
}

/** The round-robin: save i for every tool in turn, each waited for, `GAP_MS` before each. */
async function interleave(tools, sessions, saves, log) {
  const results = new Map(
    tools.map((t) => [t.key, { latencies: [], missed: 0, failedFirst: 0, inARow: 0 }]),
  );
  const total = WARMUP + saves;
  for (let i = 1; i <= total; i++) {
    for (const tool of tools) {
      const session = sessions.get(tool.key);
      const result = results.get(tool.key);
      if (!session || result.dropped) continue;
      await sleep(GAP_MS);
      try {
        const { ms, failedFirst } = await session.save(`s${i}`);
        if (i > WARMUP) {
          result.latencies.push(ms);
          if (failedFirst) result.failedFirst += 1;
        }
        result.inARow = 0;
      } catch (error) {
        if (i > WARMUP) result.missed += 1;
        result.inARow += 1;
        log(`${tool.key}: save ${i} missed: ${error.message}`);
        if (result.inARow >= MAX_MISSES_IN_A_ROW || !alive(session.child)) {
          result.dropped = alive(session.child) ? 'missed too many saves' : 'its process ended';
          log(`${tool.key}: dropped (${result.dropped})`);
        }
      }
    }
    if (i % 10 === 0 || i === total) log(`${i}/${total} saves per tool`);
  }
  return results;
}

function stateVerdict({ count, reloads }) {
  if (count === reloads + 1)
    return { survives: true, note: `yes (count ${count} = ${reloads} reloads + 1)` };
  if (count > 1)
    return { survives: true, note: `partly (count ${count} after ${reloads} reloads)` };
  return { survives: false, note: `no (count ${count} after ${reloads} reloads)` };
}

async function buildRows(tools, sessions, failures, results) {
  const rows = [];
  for (const tool of tools) {
    const session = sessions.get(tool.key);
    const row = {
      key: tool.key,
      what: session?.what ?? tool.what,
      mechanism: tool.mechanism,
      isolation: tool.isolation,
    };
    const result = results?.get(tool.key);
    if (!session) {
      rows.push({ ...row, error: failures.get(tool.key) });
      continue;
    }
    const { latencies, missed, failedFirst, dropped } = result;
    Object.assign(row, {
      saves: latencies.length,
      missed,
      failedFirst,
      dropped,
      latencies,
      p50: latencies.length ? percentile(latencies, 0.5) : null,
      p95: latencies.length ? percentile(latencies, 0.95) : null,
      p99: latencies.length ? percentile(latencies, 0.99) : null,
    });
    try {
      const state = await session.finalState();
      Object.assign(row, state, stateVerdict(state));
    } catch (error) {
      row.note = `unknown (${error.message})`;
    }
    rows.push(row);
  }
  const ratioTo = (key, row) => {
    const base = rows.find((r) => r.key === key)?.p50;
    return base && row.p50 != null ? row.p50 / base : null;
  };
  for (const row of rows) {
    row.ratio = ratioTo('reloadd', row);
    row.floorRatio = ratioTo('floor', row);
  }
  return rows;
}

/**
 * Runs the comparison: `saves` measured saves per tool (after WARMUP unmeasured ones), `log` for
 * progress lines. Resolves with one row per tool: { key, what, mechanism, isolation, saves,
 * missed, failedFirst (saves whose version came after a failed load: a file read before its write
 * was over), latencies, p50, p95, p99, ratio (p50 ÷ reloadd's), floorRatio (p50 ÷ the floor's),
 * count, reloads, survives, note } or { key, what, mechanism, isolation, error }.
 */
export async function runComparison({
  saves = Number(process.env.BENCH_SAVES ?? 100),
  log = () => {},
} = {}) {
  // BENCH_TOOLS=reloadd,floor,… measures only those (an A/B, a quick look).
  const only = process.env.BENCH_TOOLS?.split(',');
  const tools = (await comparedTools()).filter((tool) => !only || only.includes(tool.key));
  const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-compare-'));
  const sessions = new Map();
  // However the run ends (an error, Ctrl-C), no tool may outlive it.
  const killEverything = () => {
    killAllNow();
    for (const session of sessions.values())
      if (alive(session.child)) session.child.kill('SIGKILL');
  };
  const onSignal = () => {
    killEverything();
    // process.exit skips the `finally` below: remove the temp folder here.
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    process.exit(130);
  };
  process.once('exit', killEverything);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const failures = await startAll(tools, root, sessions, log);
    await sleep(SETTLE_MS);
    const results = await interleave(tools, sessions, saves, log);
    return await buildRows(tools, sessions, failures, results);
  } finally {
    await Promise.all(
      [...sessions].map(([key, session]) =>
        session.stop().catch((error) => log(`${key}: stop failed: ${error.message}`)),
      ),
    );
    killEverything();
    process.off('exit', killEverything);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(root, { recursive: true, force: true });
  }
}

const ms = (v) => (v == null ? '—' : `${v.toFixed(1)} ms`);
const times = (r) => (r == null ? '—' : `${r < 1 ? r.toFixed(2) : r.toFixed(1)}×`);

/** The rows as the Markdown table of BENCHMARKS.md, with a line saying where it was measured. */
export function comparisonTable(rows) {
  const lines = [
    `Save → new version active, interleaved — node ${process.version}, ${os.cpus().length} cores, ${os.platform()}; ${WARMUP} warm-up saves per tool, ${GAP_MS} ms between saves`,
    '',
    '| What | Saves | p50 | p95 | p99 | × reloadd p50 | × floor p50 | State survives | Mechanism | Isolation |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const kind = `${row.mechanism ?? '—'} | ${row.isolation ?? '—'}`;
    if (row.error) {
      lines.push(
        `| ${row.what} | did not start: ${row.error.split('\n')[0]} | | | | | | | ${kind} |`,
      );
      continue;
    }
    const extra = [
      row.missed && `${row.missed} missed`,
      row.failedFirst && `${row.failedFirst} after a half-written load`,
      row.dropped && `dropped: ${row.dropped}`,
    ];
    const saves = `${row.saves}${extra.some(Boolean) ? ` (${extra.filter(Boolean).join(', ')})` : ''}`;
    lines.push(
      `| ${row.what} | ${saves} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.p99)} | ${times(row.ratio)} | ${times(row.floorRatio)} | ${row.note ?? '—'} | ${kind} |`,
    );
  }
  const reloadd = rows.find((r) => r.key === 'reloadd' && !r.error);
  const floor = rows.find((r) => r.key === 'floor' && !r.error);
  if (reloadd && floor) {
    lines.push(
      '',
      `reloadd (default settings) against the floor measured in the same run: p50 ${times(reloadd.p50 / floor.p50)}, p95 ${times(reloadd.p95 / floor.p95)}, p99 ${times(reloadd.p99 / floor.p99)} (targets: p50 ≤ 1.0×, p99 ≤ 2×).`,
    );
  }
  return lines.join('\n');
}

async function isMain() {
  if (!process.argv[1]) return false;
  const [argv, self] = await Promise.all([
    realpath(process.argv[1]).catch(() => ''),
    realpath(fileURLToPath(import.meta.url)),
  ]);
  return argv === self;
}

if (await isMain()) {
  const rows = await runComparison({ log: (line) => console.error(`[compare] ${line}`) });
  console.log(comparisonTable(rows));
}
