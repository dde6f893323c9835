import path from 'node:path';
import { DAEMON_FILE } from '../protocol/index.js';
import { readDaemonFile, readDaemonToken } from '../transport/index.js';

/** Where a daemon listens and the token that lets a client in. */
export interface DaemonEndpoint {
  url: string;
  token: string;
  /** The discovery file it came from (absent when given by RELOADD_URL). */
  file?: string;
}

/** No daemon could be reached: the CLI exits with 3. */
export class NoDaemonError extends Error {}

/** A discovery file passed over, and why (`owned by uid 1001, not you`). */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface FindDaemonOptions {
  env?: NodeJS.ProcessEnv;
  /** Told of each file passed over; by default, a line on stderr. */
  onSkip?: (skipped: SkippedFile) => void;
}

/** `reloadd: skipped /tmp/.reloadd/daemon.json: owned by uid 1001, not you` */
export function skippedLine({ file, reason }: SkippedFile): string {
  return `reloadd: skipped ${file}: ${reason}`;
}

/**
 * Finds the daemon serving `from` (a folder): `RELOADD_URL` and `RELOADD_TOKEN` when set, else the
 * nearest `.reloadd/daemon.json` in `from` or a parent folder, as git finds `.git`. A file that is
 * not the user's own, or that others may write, is passed over (`onSkip`), and the search goes on
 * up: whoever wrote it would choose where the client connects.
 */
export async function findDaemon(
  from: string,
  {
    env = process.env,
    onSkip = (skipped) => process.stderr.write(`${skippedLine(skipped)}\n`),
  }: FindDaemonOptions = {},
): Promise<DaemonEndpoint> {
  if (env.RELOADD_URL) {
    if (!env.RELOADD_TOKEN) throw new NoDaemonError('RELOADD_URL is set but RELOADD_TOKEN is not');
    return { url: env.RELOADD_URL, token: env.RELOADD_TOKEN };
  }
  let dir = path.resolve(from);
  for (;;) {
    const file = path.join(dir, DAEMON_FILE);
    const state = await readDaemonFile(file);
    switch (state.kind) {
      case 'live': {
        const token = await readDaemonToken(state.info);
        if (token.kind === 'unusable')
          throw new NoDaemonError(
            `the daemon in ${file} (pid ${state.info.pid}) cannot be reached: ${token.problem}`,
          );
        return { url: state.info.url, token: token.token, file };
      }
      case 'stale':
        throw new NoDaemonError(
          `the daemon in ${file} (pid ${state.info.pid}) is no longer running; start one with "npx reloadd serve"`,
        );
      case 'invalid':
        throw new NoDaemonError(`${file} is unreadable (${state.problem})`);
      case 'untrusted':
        onSkip({ file, reason: state.reason });
        break;
      case 'missing':
        break;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new NoDaemonError(
        `no daemon is running for ${path.resolve(from)}: no ${DAEMON_FILE} here or in a parent folder (start one with "npx reloadd serve")`,
      );
    dir = parent;
  }
}
