import type { Diagnostic } from '../../protocol/index.js';
import { DiagnosticSource, type DiagnosticsStore } from './DiagnosticsStore.js';

/** Runtime errors listed per generation; later distinct ones are logged only. */
const MAX_RUNTIME_DIAGNOSTICS = 20;

interface GenerationReport {
  pluginId: string;
  diagnostics: Diagnostic[];
  /** The problems of its last snapshot: each snapshot's replace the last one's. */
  stateProblems: Diagnostic[];
}

/**
 * What each loaded generation reported while running (callbacks that threw, state that could not
 * be kept as it was), by generation key: the plugin's `runtime` diagnostics. Kept apart from the
 * reload's own list, so a timer that throws during activate is not wiped by the reload's result;
 * a generation's reports go when it is unloaded.
 */
export class RuntimeDiagnostics {
  private readonly byGeneration = new Map<string, GenerationReport>();

  constructor(private readonly store: DiagnosticsStore) {}

  /** A generation was loaded: from now on, what it reports is listed. */
  track(key: string, pluginId: string): void {
    this.byGeneration.set(key, { pluginId, diagnostics: [], stateProblems: [] });
  }

  has(key: string): boolean {
    return this.byGeneration.has(key);
  }

  /** The generation is gone: what it reported goes with it. */
  forget(key: string): void {
    const report = this.byGeneration.get(key);
    if (!report) return;
    this.byGeneration.delete(key);
    this.publish(report.pluginId);
  }

  /**
   * A timer that throws every few milliseconds must not grow the list (and each publication of
   * it) without end: the same error at the same place is listed once, and a generation keeps at
   * most MAX_RUNTIME_DIAGNOSTICS of them.
   */
  add(key: string, diagnostic: Diagnostic): void {
    const report = this.byGeneration.get(key);
    if (!report) return;
    const same = (d: Diagnostic) =>
      d.message === diagnostic.message &&
      d.file === diagnostic.file &&
      d.range?.start.line === diagnostic.range?.start.line &&
      d.range?.start.character === diagnostic.range?.start.character;
    if (report.diagnostics.some(same)) return;
    if (report.diagnostics.length >= MAX_RUNTIME_DIAGNOSTICS) return;
    report.diagnostics.push(diagnostic);
    this.publish(report.pluginId);
  }

  /** The problems of the generation's latest snapshot, replacing those of the one before. */
  setStateProblems(key: string, problems: Diagnostic[]): void {
    const report = this.byGeneration.get(key);
    if (!report) return;
    report.stateProblems = problems;
    this.publish(report.pluginId);
  }

  private publish(pluginId: string): void {
    const reported = [...this.byGeneration.values()]
      .filter((r) => r.pluginId === pluginId)
      .flatMap((r) => [...r.diagnostics, ...r.stateProblems]);
    this.store.set(pluginId, DiagnosticSource.Runtime, reported);
  }
}
