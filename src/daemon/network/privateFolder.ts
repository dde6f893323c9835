import { chmod, mkdir } from 'node:fs/promises';
import { currentUid, octal, type PathFacts, pathFacts } from '../../transport/index.js';
import type { Logger } from '../logs/logger.js';

/**
 * A folder the daemon writes its discovery files in: 0700 and its own, so nobody else can plant a
 * file or a link there, or read what is written.
 */

/** The daemon cannot use a folder that is not its user's: the CLI says so and exits with 2. */
export class FolderRefused extends Error {}

export type PrivateFolderPlan =
  | { action: 'create' }
  | { action: 'use' }
  /** Its own, but others may read or write it: made 0700, with a warning. */
  | { action: 'repair'; mode: number }
  | { action: 'refuse'; reason: string };

/** What to do with the folder lstat describes (undefined: nothing there), for user `uid`. */
export function planPrivateFolder(facts: PathFacts | undefined, uid: number): PrivateFolderPlan {
  if (!facts) return { action: 'create' };
  if (facts.type === 'symlink') return { action: 'refuse', reason: 'is a symbolic link' };
  if (facts.type !== 'directory') return { action: 'refuse', reason: 'is not a folder' };
  if (facts.uid !== uid)
    return { action: 'refuse', reason: `is owned by uid ${facts.uid}, not you` };
  if (facts.mode & 0o7077) return { action: 'repair', mode: facts.mode };
  return { action: 'use' };
}

/**
 * Makes `dir` a private folder of this user's: creates it 0700, repairs a looser one of its own
 * (with a warning), or throws FolderRefused (`<dir> <reason>: <advice>`) for anything else.
 */
export async function ensurePrivateFolder(
  dir: string,
  logger: Logger,
  advice: string,
): Promise<void> {
  const uid = currentUid();
  if (uid === undefined) {
    // No uids (Windows): the folder's ACLs are the system's business.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return;
  }
  let plan = planPrivateFolder(await pathFacts(dir), uid);
  if (plan.action === 'create') {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Whatever is there now (ours, or one that appeared at the same moment) is judged again.
    plan = planPrivateFolder(await pathFacts(dir), uid);
  }
  switch (plan.action) {
    case 'create':
      throw new FolderRefused(`${dir} could not be created`);
    case 'refuse':
      throw new FolderRefused(`${dir} ${plan.reason}: ${advice}`);
    case 'repair':
      await chmod(dir, 0o700);
      logger.warn(
        { folder: dir, mode: octal(plan.mode) },
        `${dir} could be read or written by others (mode ${octal(plan.mode)}): made it 0700`,
      );
      return;
    case 'use':
      return;
  }
}
