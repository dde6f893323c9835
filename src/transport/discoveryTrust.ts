import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whose a discovery file is: a client uses one only when it and its folder are the user's own and
 * no one else may write them, since whoever writes it chooses where the client connects (and so
 * receives its editor and its `editor/call`s). The decisions are pure; only `readOwnFile` and
 * `pathFacts` touch the file system, with lstat: a symbolic link is never followed.
 */

/** What lstat says of one path. */
export interface PathFacts {
  type: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
  /** The permission bits (mode & 0o7777). */
  mode: number;
}

export type TrustVerdict = { trusted: true } | { trusted: false; reason: string };

/** Others than the owner may write it: its group or anyone. */
const WRITABLE_BY_OTHERS = 0o022;

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/**
 * Is `file` (in `folder`) the user's own, written by no one else? The reasons complete
 * `skipped <file>: …`; the file's own owner comes first, as it says most of who put it there.
 */
export function judgeOwnFile(folder: PathFacts, file: PathFacts, uid: number): TrustVerdict {
  if (file.type === 'symlink') return untrusted('it is a symbolic link');
  if (file.type !== 'file') return untrusted('it is not a regular file');
  if (file.uid !== uid) return untrusted(`owned by uid ${file.uid}, not you`);
  const ofFolder = judgeOwnFolder(folder, uid);
  if (!ofFolder.trusted) return ofFolder;
  if (file.mode & WRITABLE_BY_OTHERS)
    return untrusted(`others may write it (mode ${octal(file.mode)})`);
  return { trusted: true };
}

/** Is the folder of a discovery file the user's own, a real folder, written by no one else? */
export function judgeOwnFolder(folder: PathFacts, uid: number): TrustVerdict {
  if (folder.type === 'symlink') return untrusted('its folder is a symbolic link');
  if (folder.type !== 'directory') return untrusted('its folder is not a folder');
  if (folder.uid !== uid) return untrusted(`its folder is owned by uid ${folder.uid}, not you`);
  if (folder.mode & WRITABLE_BY_OTHERS)
    return untrusted(`others may write its folder (mode ${octal(folder.mode)})`);
  return { trusted: true };
}

function untrusted(reason: string): TrustVerdict {
  return { trusted: false, reason };
}

export function factsOf(stats: Stats): PathFacts {
  const type = stats.isSymbolicLink()
    ? 'symlink'
    : stats.isDirectory()
      ? 'directory'
      : stats.isFile()
        ? 'file'
        : 'other';
  return { type, uid: stats.uid, mode: stats.mode & 0o7777 };
}

/** lstat's facts of `target`, or undefined when nothing is there. */
export async function pathFacts(target: string): Promise<PathFacts | undefined> {
  try {
    return factsOf(await lstat(target));
  } catch (error) {
    if (isAbsence(error)) return undefined;
    throw error;
  }
}

/** The user the checks are for; undefined where the platform has no uids (Windows). */
export function currentUid(): number | undefined {
  return process.getuid?.();
}

export type OwnFileText =
  | { kind: 'missing' }
  | { kind: 'untrusted'; reason: string }
  | { kind: 'read'; text: string };

/**
 * Reads `file` if the checks trust it (where there are no uids, on Windows, every file is). The
 * text is read through a descriptor opened without following links and checked to be the very
 * file that was judged, so nothing can be swapped in between.
 */
export async function readOwnFile(file: string, uid = currentUid()): Promise<OwnFileText> {
  const folder = await pathFacts(path.dirname(file));
  if (!folder) return { kind: 'missing' };
  let stats: Stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    if (isAbsence(error)) return { kind: 'missing' };
    // Another user's folder that we may not look into (EACCES) is theirs, whatever it holds.
    const ofFolder = uid === undefined ? undefined : judgeOwnFolder(folder, uid);
    if (ofFolder && !ofFolder.trusted) return { kind: 'untrusted', reason: ofFolder.reason };
    throw error;
  }
  if (uid !== undefined) {
    const verdict = judgeOwnFile(folder, factsOf(stats), uid);
    if (!verdict.trusted) return { kind: 'untrusted', reason: verdict.reason };
  }
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isAbsence(error)) return { kind: 'missing' };
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (opened.ino !== stats.ino || opened.dev !== stats.dev)
      return { kind: 'untrusted', reason: 'it was replaced while it was being read' };
    return { kind: 'read', text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

function isAbsence(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
