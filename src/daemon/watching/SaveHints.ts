import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** How long a hinted save is waited for as the file watcher's own event, at least. */
const ECHO_WINDOW_MS = 2000;
/**
 * A hint this soon after the watcher reported the file adds nothing: the reload the watcher
 * started checks, before its swap, that its files did not move, and the file system's later
 * events of the same save are the watcher's to report (PluginWatcher's raw events). Taking such a
 * hint as news restarted that reload: the watcher had seen the truncate, the hint came after the
 * data, stamped later than the report.
 */
const JUST_REPORTED_MS = 50;

/** What a file looked like when it was hinted; as fileFingerprint.ts reads a file's identity. */
interface Hinted {
  print: string | undefined;
  at: number;
}

/**
 * The editor's word that it saved a file (`textDocument/didSave`), against the watcher's own
 * event for the same write: whichever comes first reports the change, and the other is then no
 * change at all. The editor writes the file before it says so, so the two race.
 *
 * - A hint after the watcher's report of the same write is news only if the file was written
 *   after that report, and not within moments of it. Dropping one is always safe: the watcher
 *   sees every write itself.
 * - A watcher event after a hint is an echo when the file is exactly as it was hinted (identity,
 *   size and modification time, what a reload's own staleness check compares). Anything written
 *   since differs, and is reported.
 */
export class SaveHints {
  private readonly hinted = new Map<string, Hinted>();
  /** A polling watcher sees a write up to one interval late (`--poll`). */
  private readonly echoWindowMs: number;
  /** When the watcher last reported each file, in the file system's clock (wall time, ms). */
  private readonly reported = new Map<string, number>();

  constructor(pollMs?: number) {
    this.echoWindowMs = Math.max(ECHO_WINDOW_MS, 2 * (pollMs ?? 0) + 1000);
  }

  /** The watcher reported a change to `file` (chokidar's event, or a raw one). */
  watched(file: string): void {
    this.reported.set(file, Date.now());
  }

  /** Whether a watcher event must wait for `isEcho`: the file was hinted lately. */
  awaits(file: string): boolean {
    const hint = this.hinted.get(file);
    if (hint && performance.now() - hint.at > this.echoWindowMs) this.hinted.delete(file);
    return this.hinted.has(file);
  }

  /** A hint: true when it is news, false when the watcher reported this write already. */
  async hint(file: string): Promise<boolean> {
    this.forgetOld();
    const reportedAt = this.reported.get(file);
    if (reportedAt !== undefined && Date.now() - reportedAt < JUST_REPORTED_MS) return false;
    const info = await stat(file).catch(() => undefined);
    // The file system stamps a write with a clock that lags real time, never leads it: a file
    // not written since the watcher's report is one the watcher has reported.
    if (info && reportedAt !== undefined && info.mtimeMs <= reportedAt) return false;
    this.hinted.set(file, { print: printOf(info), at: performance.now() });
    return true;
  }

  /** A watcher event for a hinted file: true when the file is as the hint reported it. */
  async isEcho(file: string): Promise<boolean> {
    const hint = this.hinted.get(file);
    if (!hint) return false;
    const print = printOf(await stat(file).catch(() => undefined));
    if (print === hint.print) return true;
    this.hinted.delete(file);
    return false;
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [file, at] of this.reported)
      if (now - at > this.echoWindowMs) this.reported.delete(file);
  }
}

function printOf(
  info: { isFile(): boolean; ino: number; size: number; mtimeMs: number } | undefined,
): string | undefined {
  return info?.isFile() ? `${info.ino}:${info.size}:${info.mtimeMs}` : undefined;
}
