#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  latencyTable,
  percentile,
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

/** Both ways of watching: inotify (the default) and `--poll 100`, where events come late. */
export async function measureSaveHint(root, options = {}) {
  return {
    inotify: await measureOne(root, 'inotify', [], options),
    poll: await measureOne(root, 'poll', ['--poll', '100'], options),
  };
}

async function measureOne(root, name, args, options) {
  const { saves = options.quick ? 20 : 200, gapMs = 150, strayMs = 500, log = () => {} } = options;
  const dir = path.join(root, `saveHint-${name}`);
  await writeStatefulPlugin(dir, ID, 'v0');
  const file = path.join(dir, ID, 'index.js');
  const uri = pathToFileURL(file).href;
  const daemon = startDaemon(dir, args);
  let savedAt = [];
  try {
    await daemon.ready([ID]);
    await daemon.command(`${ID}.fill`, 1000);
    savedAt = await saveEvery(file, ID, {
      saves,
      gapMs,
      log,
      what: `saveHint (${name})`,
      // Every other save, as an LSP client says it saved.
      afterSave: async (i) => {
        if (i % 2 === 1)
          await daemon.client.connection.sendNotification('textDocument/didSave', {
            textDocument: { uri },
          });
      },
    });
    await sleep(strayMs);
  } finally {
    await daemon.stop();
  }
  const reloads = daemon.reloads.filter((r) => r.id === ID && r.at >= savedAt[0]);
  const windows = saveWindows(savedAt, reloads).map((w) => ({ ...w, hinted: w.index % 2 === 1 }));
  const latency = (hinted) =>
    windows
      .filter((w) => w.hinted === hinted && w.reloads.length > 0)
      .map((w) => w.reloads[0].at - w.at);
  const detect = (hinted) =>
    windows
      .filter((w) => w.hinted === hinted && w.reloads.length > 0)
      .map((w) => w.reloads[0].phases?.detect)
      .filter((v) => v !== undefined);
  const watcher = latency(false);
  const hinted = latency(true);
  return {
    name,
    saves,
    gapMs,
    extra: {
      watcher: windows.filter((w) => !w.hinted && w.reloads.length > 1).length,
      hinted: windows.filter((w) => w.hinted && w.reloads.length > 1).length,
    },
    missing: windows.filter((w) => w.reloads.length === 0).length,
    ratio: percentile(hinted, 0.5) / percentile(watcher, 0.5),
    rows: [
      row('Save → `plugin/didReload`, the file watcher alone', watcher),
      row('Save → `plugin/didReload`, with `textDocument/didSave` after the write', hinted),
      // From the first report of the save to the start of the reload that served it: a reload
      // restarted by a late report shows here.
      row('`phases.detect`, the file watcher alone', detect(false)),
      row('`phases.detect`, with `textDocument/didSave`', detect(true)),
    ],
  };
}

export function formatSaveHint({ inotify, poll }) {
  return [
    `**The editor as a trigger** — ${inotify.saves} saves ${inotify.gapMs} ms apart, every other one followed by \`textDocument/didSave\` (1,000-item state), with inotify (the default) and with \`--poll 100\`:`,
    '',
    latencyTable([
      ...inotify.rows.map((r) => ({ ...r, what: `inotify: ${r.what}` })),
      ...poll.rows.map((r) => ({ ...r, what: `\`--poll 100\`: ${r.what}` })),
    ]),
    '',
    table(
      [
        'Watching',
        'didSave p50 ÷ watcher p50',
        'Saves with > 1 reload (watcher / didSave)',
        'Saves with none',
      ],
      [inotify, poll].map((r) => [
        r.name === 'poll' ? '`--poll 100`' : 'inotify',
        r.ratio.toFixed(2),
        `${r.extra.watcher} / ${r.extra.hinted}`,
        r.missing,
      ]),
    ),
  ].join('\n');
}

await runAlone(import.meta.url, measureSaveHint, formatSaveHint);
