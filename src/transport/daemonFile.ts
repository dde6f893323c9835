import { DaemonFile } from '../protocol/index.js';
import { readOwnFile } from './discoveryTrust.js';

/** What a discovery file says, read the same way by the daemon (before it claims one) and clients. */
export type DaemonFileState =
  | { kind: 'missing' }
  | { kind: 'live'; info: DaemonFile }
  /** Its daemon's process is gone: it crashed, or was killed before it could remove the file. */
  | { kind: 'stale'; info: DaemonFile }
  | { kind: 'invalid'; problem: string }
  /** Not the user's own, or others may write it or its folder: whoever wrote it is unknown. */
  | { kind: 'untrusted'; reason: string };

/** Reads a discovery file, if it is the user's own (`readOwnFile`'s checks) and whole. */
export async function readDaemonFile(file: string): Promise<DaemonFileState> {
  try {
    const read = await readOwnFile(file);
    return read.kind === 'read' ? parseDaemonFile(read.text) : read;
  } catch (error) {
    return { kind: 'invalid', problem: `cannot read it: ${(error as Error).message}` };
  }
}

export function parseDaemonFile(text: string): DaemonFileState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = DaemonFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'invalid',
      problem: `not a daemon file: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown shape'}`,
    };
  }
  const info = parsed.data;
  return isProcessAlive(info.pid) ? { kind: 'live', info } : { kind: 'stale', info };
}

/** True unless the process is certainly gone (EPERM: it exists, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
