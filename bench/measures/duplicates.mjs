#!/usr/bin/env node
import path from 'node:path';
import {
  latencyTable,
  pollUntil,
  row,
  runAlone,
  saveEvery,
  saveWindows,
  sleep,
  startDaemon,
  table,
  writeStatefulPlugin,
} from './common.mjs';

const ID = 'subject';

export async function measureDuplicates(root, options = {}) {
  const { saves = options.quick ? 20 : 200, gapMs = 150, strayMs = 500, log = () => {} } = options;
  const dir = path.join(root, 'duplicates');
  await writeStatefulPlugin(dir, ID, 'v0');
  const file = path.join(dir, ID, 'index.js');
  const daemon = startDaemon(dir);
  let savedAt = [];
  let endedOnFinal;
  try {
    await daemon.ready([ID]);
    // As bench/reload-bench.mjs: a 1,000-item state handed over at each reload.
    await daemon.command(`${ID}.fill`, 1000);
    savedAt = await saveEvery(file, ID, { saves, gapMs, log, what: 'duplicates' });
    const last = `s${saves - 1}`;
    endedOnFinal = await pollUntil(
      async () => (await daemon.command(`${ID}.get`)).version === last,
      10_000,
    );
    await sleep(strayMs);
  } finally {
    await daemon.stop();
  }
  const reloads = daemon.reloads.filter(
    (r) => r.id === ID && r.trigger === 'file' && r.at >= savedAt[0],
  );
  const windows = saveWindows(savedAt, reloads);
  const answered = windows.filter((w) => w.reloads.length > 0);
  return {
    saves,
    gapMs,
    reloads: reloads.length,
    duplicates: reloads.length - saves,
    savesWithMoreThanOne: windows.filter((w) => w.reloads.length > 1).length,
    savesWithNone: windows.length - answered.length,
    failedReloads: reloads.filter((r) => !r.ok).length,
    failureCodes: [...new Set(reloads.filter((r) => !r.ok).map((r) => r.error?.code))],
    endedOnFinal,
    rows: [
      row(
        'Save → first `plugin/didReload` after it (default settings, 1,000-item state)',
        answered.map((w) => w.reloads[0].at - w.at),
      ),
      row(
        'Reload transaction as the daemon reports it (`durationMs`)',
        reloads.map((r) => r.durationMs),
      ),
      row(
        '`phases.detect` (first file event → reload starts)',
        reloads.map((r) => r.phases?.detect).filter((v) => v !== undefined),
      ),
    ],
  };
}

export function formatDuplicates(r) {
  return [
    `**Duplicates** — ${r.saves} saves ${r.gapMs} ms apart of one plugin, each with its own version (default settings):`,
    '',
    table(
      [
        'Saves',
        '`file` didReloads',
        'Reloads − saves',
        'Saves with > 1 reload',
        'Saves with none',
        'Failed',
        'Ended on the last version',
      ],
      [
        [
          r.saves,
          r.reloads,
          r.duplicates,
          r.savesWithMoreThanOne,
          r.savesWithNone,
          `${r.failedReloads}${r.failureCodes.length ? ` (${r.failureCodes.join(', ')})` : ''}`,
          r.endedOnFinal ? 'yes' : 'no',
        ],
      ],
    ),
    '',
    latencyTable(r.rows),
  ].join('\n');
}

await runAlone(import.meta.url, measureDuplicates, formatDuplicates);
