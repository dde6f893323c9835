import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import type { Logger } from '../logs/logger.js';
import {
  notWrittenDiagnostic,
  stateLostAtStop,
  type WrittenFile,
  whyItFailed,
} from './writeFailures.js';

/** A plugin's state (or storage) that a flush could not write. */
export interface StateNotWritten {
  pluginId: string;
  file: string;
  /** Why, in words (`the disk is full (ENOSPC)`). */
  why: string;
}

/**
 * What is said of one kind of file's writes (snapshots, or storage), per plugin: while they fail,
 * a RELOADD_STATE_NOT_WRITTEN diagnostic (published when its cause changes) and one log line per
 * cause, not one per write; once one succeeds again, the diagnostic goes and a line says so.
 */
export class WriteReports {
  /** What was logged of each plugin's failing writes, so a full disk is one line, not thousands. */
  private readonly told = new Map<string, string>();

  constructor(
    private readonly kind: WrittenFile,
    private readonly logger: Logger,
    private readonly diagnostics: DiagnosticsStore | undefined,
  ) {}

  failed(pluginId: string, file: string, error: unknown, retryMs: number): void {
    const diagnostic = notWrittenDiagnostic(pluginId, file, error, retryMs, this.kind);
    this.diagnostics?.set(pluginId, this.source, [diagnostic]);
    if (this.told.get(pluginId) === diagnostic.message) return;
    this.told.set(pluginId, diagnostic.message);
    this.logger.error({ err: error, plugin: pluginId, file }, diagnostic.message);
  }

  recovered(pluginId: string, file: string): void {
    this.told.delete(pluginId);
    this.diagnostics?.set(pluginId, this.source, []);
    this.logger.info(
      { plugin: pluginId, file },
      `the ${this.kind} of plugin "${pluginId}" is written to ${file} again`,
    );
  }

  /**
   * Writes what is pending in each plugin's file (and what could not be written before), and
   * resolves with the plugins whose file is still not on disk, each logged as lost.
   */
  async flush(
    files: Iterable<[pluginId: string, file: { file: string; flush(): Promise<unknown> }]>,
  ): Promise<StateNotWritten[]> {
    const failures = await Promise.all(
      [...files].map(async ([pluginId, written]) => {
        const error = await written.flush();
        if (error === undefined) return [];
        const file = written.file;
        this.logger.error(
          { plugin: pluginId, file, err: error },
          stateLostAtStop(pluginId, file, error, this.kind),
        );
        return [{ pluginId, file, why: whyItFailed(error) }];
      }),
    );
    return failures.flat();
  }

  /** Each kind's diagnostics are replaced and cleared apart from the other's. */
  private get source(): DiagnosticSource {
    return this.kind === 'state' ? DiagnosticSource.StateWrite : DiagnosticSource.StorageWrite;
  }
}
