#!/usr/bin/env node
// Bursts: 20 plain writes of a plugin's index.js 10 ms apart, as a formatter or a `git checkout`
// produces them. How many reloads does one burst cost, does any fail on a half-written file, and
// does every burst end on its final content?
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  latencyTable,
  percentile,
  pollUntil,
  row,
  runAlone,
  sleep,
  sleepUntil,
  startDaemon,
  statefulPluginSource,
  table,
  writeStatefulPlugin,
} from './common.mjs';

const ID = 'burst';

export async function measureBurst(root, options = {}) {
  const {
    bursts = options.quick ? 3 : 10,
    writes = 20,
    writeGapMs = 10,
    burstGapMs = 1000,
    // Reloads later than this after the final content is active count as strays of the burst.
    strayMs = 500,
    log = () => {},
  } = options;
  const dir = path.join(root, 'burst');
  await writeStatefulPlugin(dir, ID, 'v0');
  const file = path.join(dir, ID, 'index.js');
  const daemon = startDaemon(dir);
  const perBurst = [];
  try {
    await daemon.ready([ID]);
    await daemon.command(`${ID}.fill`, 1000);
    for (let b = 0; b < bursts; b++) {
      if (b > 0) await sleep(burstGapMs);
      const startedAt = performance.now();
      let final;
      for (let w = 0; w < writes; w++) {
        await sleepUntil(startedAt + w * writeGapMs);
        final = `b${b}w${w}`;
        await writeFile(file, statefulPluginSource(ID, final));
      }
      const lastWriteAt = performance.now();
      const isFinal = async () => (await daemon.command(`${ID}.get`)).version === final;
      const reachedFinal = await pollUntil(isFinal, 10_000);
      const finalAt = performance.now();
      // The generation that runs the final content: any reload past it is stray work.
      const { plugins } = await daemon.client.connection.sendRequest('plugin/list', {});
      const finalGeneration = plugins.find((p) => p.id === ID).generation;
      await sleep(strayMs);
      const stillFinal = await isFinal();
      const reloads = daemon.reloads.filter(
        (r) => r.id === ID && r.trigger === 'file' && r.at >= startedAt,
      );
      perBurst.push({
        reloads: reloads.length,
        failed: reloads.filter((r) => !r.ok).length,
        errors: reloads.filter((r) => !r.ok).map((r) => r.error?.code),
        endedOnFinal: reachedFinal && stillFinal,
        lastWriteToFinalMs: reachedFinal ? finalAt - lastWriteAt : null,
        afterFinal: reloads.filter((r) => r.generation > finalGeneration).length,
      });
      log(`burst ${b + 1}/${bursts}: ${reloads.length} reloads`);
    }
  } finally {
    await daemon.stop();
  }
  const counts = perBurst.map((b) => b.reloads);
  return {
    bursts,
    writes,
    writeGapMs,
    reloadsPerBurst: {
      min: Math.min(...counts),
      median: percentile(counts, 0.5),
      max: Math.max(...counts),
    },
    failedReloads: perBurst.reduce((n, b) => n + b.failed, 0),
    failureCodes: [...new Set(perBurst.flatMap((b) => b.errors))],
    reloadsAfterFinal: perBurst.reduce((n, b) => n + b.afterFinal, 0),
    everyBurstEndedOnFinal: perBurst.every((b) => b.endedOnFinal),
    rows: [
      row(
        'Last write → final version active (polled every 10 ms)',
        perBurst.map((b) => b.lastWriteToFinalMs).filter((v) => v !== null),
      ),
    ],
    perBurst,
  };
}

export function formatBurst(r) {
  return [
    `**Bursts** — ${r.bursts} bursts of ${r.writes} plain writes ${r.writeGapMs} ms apart to one plugin's index.js (default debounce):`,
    '',
    table(
      [
        'Reloads per burst (min / median / max)',
        'Failed reloads',
        'Reloads after the final content was active',
        'Every burst ended on its final content',
      ],
      [
        [
          `${r.reloadsPerBurst.min} / ${r.reloadsPerBurst.median} / ${r.reloadsPerBurst.max}`,
          `${r.failedReloads}${r.failureCodes.length ? ` (${r.failureCodes.join(', ')})` : ''}`,
          r.reloadsAfterFinal,
          r.everyBurstEndedOnFinal ? 'yes' : 'no',
        ],
      ],
    ),
    '',
    latencyTable(r.rows),
  ].join('\n');
}

await runAlone(import.meta.url, measureBurst, formatBurst);
