#!/usr/bin/env node
// State size: what handing over a bigger state costs a reload. One daemon per size, all running
// at once, the same plugin code in each (the state is filled by a command, so the module code does
// not change with it); saves go round robin from one daemon to the next, so drift of the machine
// (other work, thermal) falls on every size alike.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  latencyTable,
  ms,
  percentile,
  row,
  runAlone,
  sleep,
  startDaemon,
  statefulPluginSource,
  stopAll,
  table,
  writeStatefulPlugin,
} from './common.mjs';

const ID = 'subject';

export async function measureStateSize(root, options = {}) {
  const {
    sizes = [0, 1000, 10_000],
    saves = options.quick ? 5 : 50,
    gapMs = 150,
    log = () => {},
  } = options;
  const subjects = [];
  for (const size of sizes) {
    const dir = path.join(root, `state-${size}`);
    await writeStatefulPlugin(dir, ID, 'v0');
    subjects.push({
      size,
      dir,
      file: path.join(dir, ID, 'index.js'),
      latency: [],
      duration: [],
      phases: [],
    });
  }
  for (const s of subjects) s.daemon = startDaemon(s.dir);
  const daemons = subjects.map((s) => s.daemon);
  let failed = 0;
  const finalItems = [];
  try {
    await Promise.all(daemons.map((d) => d.ready([ID])));
    for (const s of subjects) await s.daemon.command(`${ID}.fill`, s.size);
    for (let i = 1; i <= saves; i++) {
      // One save at a time across the daemons: they never reload at the same moment.
      for (const s of subjects) {
        await sleep(gapMs);
        const reloaded = s.daemon.nextReload(
          (r) => r.id === ID && r.trigger === 'file',
          10_000,
          `the reload of save ${i} (${s.size} items)`,
        );
        const start = performance.now();
        await writeFile(s.file, statefulPluginSource(ID, `v${i}`));
        const result = await reloaded;
        if (!result.ok) failed += 1;
        s.latency.push(result.at - start);
        s.duration.push(result.durationMs);
        if (result.phases) s.phases.push(result.phases);
      }
      if (i % 10 === 0) log(`state size: ${i}/${saves} rounds`);
    }
    for (const s of subjects) {
      const got = await s.daemon.command(`${ID}.get`);
      finalItems.push({ size: s.size, items: got.items, version: got.version });
    }
  } finally {
    await stopAll(daemons);
  }
  const bySize = subjects.map((s) => ({
    size: s.size,
    latency: row(`Save → \`plugin/didReload\`, ${s.size.toLocaleString('en')} items`, s.latency),
    duration: row(`\`durationMs\`, ${s.size.toLocaleString('en')} items`, s.duration),
    // Where the time goes: each phase's p50 (the phases the daemon reports, whatever they are).
    phasesP50: Object.fromEntries(
      [...new Set(s.phases.flatMap((p) => Object.keys(p)))].map((name) => [
        name,
        percentile(
          s.phases.map((p) => p[name] ?? 0),
          0.5,
        ),
      ]),
    ),
  }));
  const base = bySize.find((s) => s.size === 0);
  const differences = bySize
    .filter((s) => s !== base)
    .map((s) => ({
      what: `${s.size.toLocaleString('en')} − 0 items`,
      latencyP50: s.latency.p50 - base.latency.p50,
      durationP50: s.duration.p50 - base.duration.p50,
    }));
  return {
    saves,
    gapMs,
    failedReloads: failed,
    // Each daemon's state survived every reload with its size, on the last version.
    stateKept: finalItems.every((f) => f.items === f.size && f.version === `v${saves}`),
    rows: [...bySize.map((s) => s.latency), ...bySize.map((s) => s.duration)],
    differences,
    phasesP50: bySize.map((s) => ({ size: s.size, ...s.phasesP50 })),
  };
}

export function formatStateSize(r) {
  return [
    `**State size** — ${r.saves} saves per size, ${r.gapMs} ms apart, round robin over one daemon per size running at once (failed reloads: ${r.failedReloads}; state kept through every reload: ${r.stateKept ? 'yes' : 'no'}):`,
    '',
    latencyTable(r.rows),
    '',
    table(
      ['Difference', 'Save → didReload p50', '`durationMs` p50'],
      r.differences.map((d) => [d.what, ms(d.latencyP50), ms(d.durationP50)]),
    ),
    '',
    phasesTable(r.phasesP50),
  ].join('\n');
}

function phasesTable(bySize) {
  const names = [...new Set(bySize.flatMap((s) => Object.keys(s)))].filter((n) => n !== 'size');
  return table(
    ['Phase p50', ...bySize.map((s) => `${s.size.toLocaleString('en')} items`)],
    names.map((name) => [`\`${name}\``, ...bySize.map((s) => ms(s[name]))]),
  );
}

await runAlone(import.meta.url, measureStateSize, formatStateSize);
