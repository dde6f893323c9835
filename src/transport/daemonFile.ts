import { DaemonFile, DaemonTokenFile } from '../protocol/index.js';
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
  return isOwnProcessAlive(info.pid) ? { kind: 'live', info } : { kind: 'stale', info };
}

export type DaemonTokenState =
  | { kind: 'token'; token: string }
  /** Why the token cannot be had: the daemon is reachable, but not by this client. */
  | { kind: 'unusable'; problem: string };

/**
 * The token of the daemon `info` describes: from its `tokenFile`, under the same checks as the
 * discovery file (the user's own, written by no one else) and only if that file names the same
 * daemon (`pid`, `url`); or, in a file written before `tokenFile` existed, from `token`.
 */
export async function readDaemonToken(info: DaemonFile): Promise<DaemonTokenState> {
  const { tokenFile } = info;
  if (tokenFile === undefined) {
    return info.token === undefined
      ? { kind: 'unusable', problem: 'it names no token file' }
      : { kind: 'token', token: info.token };
  }
  const unusable = (problem: string): DaemonTokenState => ({
    kind: 'unusable',
    problem: `its token file ${tokenFile} ${problem}`,
  });
  let read: Awaited<ReturnType<typeof readOwnFile>>;
  try {
    read = await readOwnFile(tokenFile);
  } catch (error) {
    return unusable(`cannot be read: ${(error as Error).message}`);
  }
  if (read.kind === 'missing') return unusable('is missing');
  if (read.kind === 'untrusted') return unusable(`is not to be trusted: ${read.reason}`);
  let parsed: ReturnType<typeof DaemonTokenFile.safeParse>;
  try {
    parsed = DaemonTokenFile.safeParse(JSON.parse(read.text));
  } catch (error) {
    return unusable(`is not JSON: ${(error as Error).message}`);
  }
  if (!parsed.success) return unusable('is not a token file');
  const { pid, url, token } = parsed.data;
  if (pid !== info.pid || url !== info.url)
    return unusable(`belongs to another daemon (pid ${pid}, ${url})`);
  return { kind: 'token', token };
}

/**
 * True when a process of this user's runs under that pid. A daemon's, or its lock's: one of
 * another user's (EPERM) is not ours, whatever the file says (a pid used again by someone else).
 */
export function isOwnProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
