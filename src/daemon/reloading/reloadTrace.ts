import path from 'node:path';
import { describePhases, type ReloadPhases, ReloadTrigger } from '../../protocol/index.js';
import { describePlace } from '../crossing/sourceLocation.js';
import type { Logger } from '../logs/logger.js';
import type { ReloadJob } from '../plugins/OperationQueue.js';
import type { TransactionOutcome } from './ReloadTransaction.js';

export interface ReloadTraceEntry {
  id: string;
  job: ReloadJob;
  outcome: TransactionOutcome;
  phases: ReloadPhases;
}

/**
 * One log entry per reload, with each phase's duration (the Red editor plan's "debug information" and
 * "performance monitoring"): `reload` holds the figures for tools (`log/entry`, `reloadd logs`),
 * the message reads for people.
 */
export function logReloadTrace(logger: Logger, pluginsDir: string, trace: ReloadTraceEntry): void {
  const { id, job, outcome, phases } = trace;
  const verb = job.trigger === ReloadTrigger.Startup ? 'load' : 'reload';
  const cause = describeCause(job, pluginsDir);
  const message = outcome.ok
    ? `${verb}ed generation ${outcome.generation} in ${outcome.durationMs} ms (${cause}; ${describePhases(phases)})`
    : `${verb} failed (${cause}): ${outcome.error?.message}${where(outcome, pluginsDir)}${outcome.rolledBack ? `; generation ${outcome.generation} was brought back with its state` : ''}`;
  const fields = {
    plugin: id,
    reload: {
      trigger: job.trigger,
      ok: outcome.ok,
      generation: outcome.generation,
      durationMs: outcome.durationMs,
      phases,
      ...(job.changedFiles ? { changedFiles: job.changedFiles } : {}),
      ...(job.causedBy ? { causedBy: job.causedBy } : {}),
      ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}),
      ...(outcome.rolledBack ? { rolledBack: true } : {}),
    },
  };
  if (outcome.ok) logger.info(fields, message);
  else logger.warn(fields, message);
}

/** Why a reload ran, as its trace line says it: "counter/index.ts changed", or its trigger. */
function describeCause(
  reload: { trigger: ReloadTrigger; changedFiles?: string[] | undefined },
  pluginsDir: string,
): string {
  if (reload.trigger !== ReloadTrigger.File) return reload.trigger;
  const files = (reload.changedFiles ?? []).map((f) => path.relative(pluginsDir, f));
  return `${files.join(', ')} changed`;
}

/** " at counter/index.ts:3:13" and the code frame under it, for a person reading the log. */
function where(outcome: TransactionOutcome, pluginsDir: string): string {
  const error = outcome.error;
  if (!error?.file || !error.range) return '';
  const at = describePlace(pluginsDir, error.file, error.range);
  const frame = outcome.diagnostics.find((d) => d.file === error.file && d.codeFrame)?.codeFrame;
  return ` at ${at}${frame ? `\n${frame}\n` : ''}`;
}
