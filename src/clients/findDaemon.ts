import path from 'node:path';
import { DAEMON_FILE } from '../protocol/index.js';
import { readDaemonFile } from '../transport/index.js';

/** Where a daemon listens and the token that lets a client in. */
export interface DaemonEndpoint {
  url: string;
  token: string;
  /** The discovery file it came from (absent when given by RELOADD_URL). */
  file?: string;
}

/** No daemon could be reached: the CLI exits with 3. */
export class NoDaemonError extends Error {}

/**
 * Finds the daemon serving `from` (a folder): `RELOADD_URL` and `RELOADD_TOKEN` when set, else the
 * nearest `.reloadd/daemon.json` in `from` or a parent folder, as git finds `.git`.
 */
export async function findDaemon(
  from: string,
  env: NodeJS.ProcessEnv = process.env,
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
      case 'live':
        return { url: state.info.url, token: state.info.token, file };
      case 'stale':
        throw new NoDaemonError(
          `the daemon in ${file} (pid ${state.info.pid}) is no longer running; start one with "reloadd serve"`,
        );
      case 'invalid':
        throw new NoDaemonError(`${file} is unreadable (${state.problem})`);
      case 'missing':
        break;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new NoDaemonError(
        `no daemon is running for ${path.resolve(from)}: no ${DAEMON_FILE} here or in a parent folder (start one with "reloadd serve")`,
      );
    dir = parent;
  }
}
