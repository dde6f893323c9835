import { type Diagnostic, DiagnosticCodes } from '../../protocol/index.js';

/**
 * What a failed write of the state folder means, in words, decided apart from the writing
 * (SnapshotStore says it). Pure.
 */

/** Why a file system call failed, for a person: the cause first, Node's code after it. */
export function whyItFailed(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is used up (EDQUOT)';
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'the state folder is gone (ENOENT)';
    case 'ENOTDIR':
      return 'a part of its path is a file (ENOTDIR)';
    case 'EIO':
      return 'the disk reported an I/O error (EIO)';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return code && !message.includes(code) ? `${message} (${code})` : message;
    }
  }
}

/** The answer of a call whose effect is not on disk. */
export function stateNotWrittenAnswer(pluginId: string, file: string, error: unknown): string {
  return `the state of plugin "${pluginId}" could not be written to ${file}: ${whyItFailed(error)}. The call ran, but what it did is not on disk: it is written with the plugin's next write that succeeds, or lost if the daemon stops first`;
}

/** What the state folder keeps of a plugin: its state's snapshot, or its storage. */
export type WrittenFile = 'state' | 'storage';

/** How each is spoken of: what it is, the calls that wait for its writes, what a stop would lose. */
const SPOKEN: Record<WrittenFile, { what: string; calls: string; each: string; done: string }> = {
  state: { what: 'state', calls: 'commands', each: 'each command', done: 'what it did' },
  storage: {
    what: 'storage (red.storage, ctx.storage)',
    calls: 'storage.set and storage.delete',
    each: 'each of them',
    done: 'what it stored',
  },
};

/** The plugin's diagnostic while the writes of its state (or its storage) fail. */
export function notWrittenDiagnostic(
  pluginId: string,
  file: string,
  error: unknown,
  retryMs: number,
  kind: WrittenFile,
): Diagnostic {
  const { what, calls, each, done } = SPOKEN[kind];
  return {
    pluginId,
    severity: 'error',
    code: DiagnosticCodes.StateNotWritten,
    message: `the plugin's ${what} could not be written to ${file}: ${whyItFailed(error)}. Its ${calls} fail with RELOADD_STATE_NOT_WRITTEN until a write succeeds (tried again every ${seconds(retryMs)} and at ${each}); ${done} since its last write is lost if the daemon stops first`,
    file,
  };
}

/** What a stop logs of a state (or a storage) it could not write. */
export function stateLostAtStop(
  pluginId: string,
  file: string,
  error: unknown,
  what: WrittenFile = 'state',
): string {
  return `the ${what} of plugin "${pluginId}" could not be written to ${file} as the daemon stopped: ${whyItFailed(error)}; what it did since its last write is lost`;
}

/** The answer of a `storage.set` or `storage.delete` that is not on disk. */
export function storageNotWrittenAnswer(pluginId: string, file: string, error: unknown): string {
  return `the storage of plugin "${pluginId}" could not be written to ${file}: ${whyItFailed(error)}. The value is kept in memory (storage.get gives it), but it is not on disk: it is written with the plugin's next storage write that succeeds, or lost if the daemon stops first`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
