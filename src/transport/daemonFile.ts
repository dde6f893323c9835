import { readFile } from 'node:fs/promises';
import { DaemonFile } from '../protocol/index.js';

/** What a discovery file says, read the same way by the daemon (before it claims one) and clients. */
export type DaemonFileState =
  | { kind: 'missing' }
  | { kind: 'live'; info: DaemonFile }
  /** Its daemon's process is gone: it crashed, or was killed before it could remove the file. */
  | { kind: 'stale'; info: DaemonFile }
  | { kind: 'invalid'; problem: string };

export async function readDaemonFile(file: string): Promise<DaemonFileState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', problem: `cannot read it: ${(error as Error).message}` };
  }
  return parseDaemonFile(text);
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
