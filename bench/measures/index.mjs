#!/usr/bin/env node
// All eight measures in sequence (never at once: they would measure each other), each in a temp
// folder of its own under one root that is removed at the end.
// `node bench/measures/index.mjs [--quick]` prints their Markdown tables.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatBurst, measureBurst } from './burst.mjs';
import { formatColdStart, measureColdStart } from './coldStart.mjs';
import { formatDuplicates, measureDuplicates } from './duplicates.mjs';
import { formatSaveHint, measureSaveHint } from './saveHint.mjs';
import { formatSavePath, measureSavePath } from './savePath.mjs';
import { formatSharedModule, measureSharedModule } from './sharedModule.mjs';
import { formatStateSize, measureStateSize } from './stateSize.mjs';
import { formatTypescript, measureTypescript } from './typescript.mjs';

const MEASURES = [
  ['savePath', measureSavePath, formatSavePath],
  ['burst', measureBurst, formatBurst],
  ['duplicates', measureDuplicates, formatDuplicates],
  ['saveHint', measureSaveHint, formatSaveHint],
  ['stateSize', measureStateSize, formatStateSize],
  ['typescript', measureTypescript, formatTypescript],
  ['coldStart', measureColdStart, formatColdStart],
  ['sharedModule', measureSharedModule, formatSharedModule],
];

export async function runMeasures({ log = () => {}, quick = false } = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-measures-'));
  const results = {
    machine: { node: process.version, cores: os.cpus().length, platform: os.platform(), quick },
  };
  try {
    for (const [name, measure] of MEASURES) {
      const folder = path.join(root, name);
      await mkdir(folder);
      const start = performance.now();
      log(`${name}…`);
      results[name] = await measure(folder, { quick, log });
      log(`${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return results;
}

export function formatMeasures(results) {
  const { node, cores, platform, quick } = results.machine;
  const parts = [
    `reloadd measures — node ${node}, ${cores} cores, ${platform}${quick ? ' (quick counts)' : ''}`,
  ];
  for (const [name, , format] of MEASURES) if (results[name]) parts.push(format(results[name]));
  return `${parts.join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await runMeasures({
    quick: process.argv.includes('--quick'),
    log: (line) => console.error(line),
  });
  console.log(formatMeasures(results));
}
