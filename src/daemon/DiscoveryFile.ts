import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { DAEMON_FILE, type DaemonFile } from '../protocol/index.js';
import { parseDaemonFile, readDaemonFile } from '../transport/index.js';
import type { Logger } from './logger.js';

/** Another daemon already serves this workspace: the CLI says so and exits with 1. */
export class DaemonAlreadyRunning extends Error {}

/**
 * `<workspace>/.reloadd/daemon.json`: where this daemon listens and the token to get in (mode
 * 0600, since the token is the only key). One live daemon per workspace; a file left by a daemon
 * that died is replaced.
 */
export class DiscoveryFile {
  readonly path: string;
  private claimed = false;

  constructor(
    workspace: string,
    private readonly logger: Logger,
  ) {
    this.path = path.join(workspace, DAEMON_FILE);
  }

  /**
   * Publishes `info`. The file is written aside and hard-linked into place, which fails if one
   * exists: two daemons starting at once cannot both win.
   */
  async claim(info: DaemonFile): Promise<void> {
    await mkdir(path.dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await link(temporary, this.path);
          this.claimed = true;
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
        }
        await this.clearStale();
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  /** Removes the file if it is still this daemon's. Synchronous: it also runs on process exit. */
  release(): void {
    if (!this.claimed) return;
    this.claimed = false;
    try {
      const state = parseDaemonFile(readFileSync(this.path, 'utf8'));
      if (state.kind === 'live' && state.info.pid !== process.pid) return;
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private async clearStale(): Promise<void> {
    const state = await readDaemonFile(this.path);
    switch (state.kind) {
      case 'live':
        // A pid can outlive its daemon (a zombie not yet reaped, or a pid reused): the port says.
        if (!(await isAccepting(state.info.host, state.info.port))) {
          this.logger.info(
            { file: this.path, pid: state.info.pid },
            `replacing a stale discovery file: nothing listens on ${state.info.url}`,
          );
          break;
        }
        throw new DaemonAlreadyRunning(
          `a daemon is already running for this workspace (pid ${state.info.pid}, ${state.info.url}); share it with "reloadd connect --stdio", or stop it first`,
        );
      case 'stale':
        this.logger.info(
          { file: this.path, pid: state.info.pid },
          `replacing a stale discovery file: process ${state.info.pid} is gone`,
        );
        break;
      case 'invalid':
        this.logger.warn(
          { file: this.path },
          `replacing an unreadable discovery file (${state.problem})`,
        );
        break;
      case 'missing':
        return;
    }
    await unlink(this.path).catch(() => undefined);
  }
}

/** True when something accepts connections on host:port (within a second). */
function isAccepting(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (accepting: boolean) => {
      socket.destroy();
      resolve(accepting);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(true)); // slow, not absent: assume it is alive
    socket.once('error', () => done(false));
  });
}
