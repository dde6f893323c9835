import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { whyItFailed } from './writeFailures.js';

/** What the start check found at the state folder's path. */
export interface StateFolderFacts {
  kind: 'folder' | 'file' | 'other';
  ownerUid: number;
  mode: number;
  /** Why it cannot be written (access W_OK's error), if it cannot. */
  notWritable?: unknown;
}

/**
 * Whether a state folder may hold the plugins' saved state: a folder, the user's own, not
 * writable by anyone else (they could plant a state a plugin then trusts), and writable (a
 * read-only one would lose every acknowledged command). `uid` is undefined where the OS has none
 * (Windows): ownership and mode are not checked there. The problem in one line, or undefined. Pure.
 */
export function stateFolderProblem(
  dir: string,
  facts: StateFolderFacts,
  uid: number | undefined,
): string | undefined {
  const folder = `the state folder ${dir}`;
  if (facts.kind !== 'folder')
    return `${folder} is ${facts.kind === 'file' ? 'a file, not a folder' : 'not a folder'}: give --state-dir (or "stateDir") a folder`;
  if (uid !== undefined && facts.ownerUid !== uid)
    return `${folder} belongs to user ${facts.ownerUid}, not to you (user ${uid}): its owner could change the plugins' saved state; give a folder of your own`;
  if (uid !== undefined && (facts.mode & 0o022) !== 0) {
    const who = (facts.mode & 0o002) !== 0 ? 'others' : 'its group';
    const mode = (facts.mode & 0o777).toString(8).padStart(4, '0');
    return `${folder} is writable by ${who} (mode ${mode}): anyone could change the plugins' saved state; chmod go-w ${dir}`;
  }
  if (facts.notWritable !== undefined)
    return `${folder} cannot be written: ${whyItFailed(facts.notWritable)}`;
  return undefined;
}

/** Looks at the state folder (making it, 0700, when it does not exist): its problem, if any. */
export async function checkStateFolder(dir: string): Promise<string | undefined> {
  let found = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  // Nothing there (or a file on the way, which mkdir names): make it.
  if (found instanceof Error && (found.code === 'ENOENT' || found.code === 'ENOTDIR')) {
    const made = await mkdir(dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (made !== undefined) return `the state folder ${dir} cannot be made: ${whyItFailed(made)}`;
    found = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  }
  if (found instanceof Error)
    return `the state folder ${dir} cannot be read: ${whyItFailed(found)}`;
  const notWritable = await access(dir, constants.W_OK).then(
    () => undefined,
    (error: unknown) => error,
  );
  return stateFolderProblem(
    dir,
    {
      kind: found.isDirectory() ? 'folder' : found.isFile() ? 'file' : 'other',
      ownerUid: found.uid,
      mode: found.mode,
      ...(notWritable !== undefined ? { notWritable } : {}),
    },
    process.getuid?.(),
  );
}
