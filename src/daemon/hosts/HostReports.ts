import { SnapshotCause } from '../../protocol/index.js';
import type { HostInitiated, HostNotice } from '../crossing/hostMessages.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import {
  offHeapDiagnostic,
  stateProblemDiagnostic,
  unloadIncompleteDiagnostic,
  untrackedRunDiagnostic,
} from '../diagnostics/pluginDiagnostics.js';
import type { RuntimeDiagnostics } from '../diagnostics/RuntimeDiagnostics.js';
import type { Logger } from '../logs/logger.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import type { PluginLookup } from './PluginLookup.js';

/** What a host tells of what happened in it, as against what it asks of the daemon. */
export type HostReport = Extract<
  HostNotice,
  { op: 'log' | 'stateTaken' | 'stateWritten' | 'offHeap' | 'unloadChecked' | 'untrackedRun' }
>;

const REPORTS: ReadonlySet<string> = new Set<HostReport['op']>([
  'log',
  'stateTaken',
  'stateWritten',
  'offHeap',
  'unloadChecked',
  'untrackedRun',
]);

export function isHostReport(notice: HostInitiated): notice is HostReport {
  return REPORTS.has(notice.op);
}

export interface HostReportsOptions {
  plugins: Pick<PluginLookup, 'get'>;
  diagnostics: DiagnosticsStore;
  snapshots: SnapshotStore;
  logger: Logger;
  runtime: RuntimeDiagnostics;
}

/**
 * What hosts report, turned into what the daemon keeps: plugins' log lines (one child logger per
 * plugin), their snapshots and the problems of each, and the warnings of memory outside a heap,
 * of generations that did not unload, and of their code that ran on.
 */
export class HostReports {
  private readonly pluginLoggers = new Map<string, Logger>();

  constructor(private readonly options: HostReportsOptions) {}

  record(hostName: string, report: HostReport): void {
    const { plugins, diagnostics, snapshots, logger, runtime } = this.options;
    switch (report.op) {
      case 'log':
        this.pluginLogger(report.pluginId)[report.level](
          { generation: report.generation },
          report.message,
        );
        return;
      case 'stateTaken':
        // A swap's snapshot; its problems were part of the swap's report.
        snapshots.keep(
          report.pluginId,
          { value: report.value, problems: [] },
          { generation: report.generation, stateVersion: report.stateVersion },
          SnapshotCause.Reload,
        );
        return;
      case 'stateWritten':
        snapshots.keep(
          report.pluginId,
          report.state,
          { generation: report.generation, stateVersion: report.stateVersion },
          report.cause,
        );
        // Each snapshot's problems replace the last one's: the same bad field is reported once.
        runtime.setStateProblems(
          report.key,
          report.state.problems.map((p) => stateProblemDiagnostic(report.pluginId, p)),
        );
        return;
      case 'offHeap': {
        const mb = Math.round(report.externalBytes / (1024 * 1024));
        logger.warn(
          { host: hostName, plugin: report.pluginId, externalBytes: report.externalBytes },
          `plugin host ${hostName} holds ${mb} MB outside its JS heap`,
        );
        if (report.pluginId && plugins.get(report.pluginId))
          diagnostics.add(
            DiagnosticSource.Reload,
            offHeapDiagnostic(report.pluginId, report.externalBytes, report.limitBytes),
          );
        return;
      }
      case 'unloadChecked': {
        // Nothing to keep or say of a plugin that is gone (its folder was removed meanwhile).
        const plugin = plugins.get(report.pluginId);
        plugin?.unloadChecks.recorded(report.generation, report.collected);
        if (report.collected || !plugin) return;
        diagnostics.add(
          DiagnosticSource.Reload,
          unloadIncompleteDiagnostic(report.pluginId, report.generation, report.holders),
        );
        return;
      }
      case 'untrackedRun':
        if (!plugins.get(report.pluginId)) return;
        diagnostics.add(
          DiagnosticSource.Reload,
          untrackedRunDiagnostic(report.pluginId, report.generation, report.run),
        );
        return;
    }
  }

  /** One child logger per plugin, made once: plugin logs can be frequent. */
  private pluginLogger(pluginId: string): Logger {
    let child = this.pluginLoggers.get(pluginId);
    if (!child) {
      child = this.options.logger.child({ plugin: pluginId });
      this.pluginLoggers.set(pluginId, child);
    }
    return child;
  }
}
