import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAEMON_FILE, type DaemonFile, type DaemonTokenFile } from '../../protocol/index.js';
import {
  currentUid,
  isOwnProcessAlive,
  parseDaemonFile,
  readDaemonFile,
} from '../../transport/index.js';
import type { Logger } from '../logs/logger.js';
import { ensurePrivateFolder } from './privateFolder.js';

/** How long a starting daemon waits for another that is starting at the same moment. */
const LOCK_WAIT_MS = 5_000;

/** Another daemon already serves this workspace: the CLI says so and exits with 1. */
export class DaemonAlreadyRunning extends Error {}

/** What the daemon says of itself in `daemon.json`; the claim adds where its token is. */
export type DaemonFacts = Omit<DaemonFile, 'token' | 'tokenFile'>;

/**
 * The user's runtime folder for reloadd: `$XDG_RUNTIME_DIR/reloadd`, or else `reloadd-<uid>` in
 * the temp folder. Out of the workspace and the installation, where a plugin with `permissions`
 * is granted no reads.
 */
export function runtimeFolder(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'reloadd');
  return path.join(os.tmpdir(), `reloadd-${currentUid() ?? os.userInfo().username}`);
}

/**
 * `<workspace>/.reloadd/daemon.json`: where this daemon listens, and where its token is: a file of
 * its own in the user's runtime folder (mode 0600, the token being the only key), named for the
 * workspace. One live daemon per workspace; files left by a daemon that died are replaced.
 */
export class DaemonFileClaim {
  readonly path: string;
  readonly tokenPath: string;
  private claimed = false;

  constructor(
    workspace: string,
    private readonly logger: Logger,
    runtime = runtimeFolder(),
  ) {
    this.path = path.join(workspace, DAEMON_FILE);
    const key = createHash('sha256').update(path.resolve(workspace)).digest('hex').slice(0, 16);
    // The daemon's own: two daemons racing for one workspace never write each other's.
    this.tokenPath = path.join(runtime, `${key}.${process.pid}.token.json`);
  }

  /**
   * Publishes `facts` and `token`, unless a live daemon already has. Daemons starting at once take
   * turns through a lock file, so exactly one of them wins. The token file is written first, so a
   * client that finds `daemon.json` finds the token; each is written aside (0600 from its
   * creation) and moved into place, so a reader never sees half of it.
   */
  async claim(facts: DaemonFacts, token: string): Promise<void> {
    // 0700 and ours: nobody else may plant files (or links) where clients look, or read the token.
    await ensurePrivateFolder(
      path.dirname(this.path),
      this.logger,
      'remove it, or serve another --workspace',
    );
    await ensurePrivateFolder(
      path.dirname(this.tokenPath),
      this.logger,
      'remove it, or set XDG_RUNTIME_DIR to a folder of your own',
    );
    const tokenContent: DaemonTokenFile = { pid: facts.pid, url: facts.url, token };
    // Where the token is, beside where to connect: the file reads in that order.
    const { url, host, port, pid, ...about } = facts;
    const info: DaemonFile = { url, host, port, pid, tokenFile: this.tokenPath, ...about };
    const unlock = await this.lock();
    try {
      await this.clearStale();
      const tokenAside = await writeAside(this.tokenPath, tokenContent);
      await rename(tokenAside, this.tokenPath);
      const temporary = await writeAside(this.path, info);
      try {
        await link(temporary, this.path);
      } catch (error) {
        await unlink(this.tokenPath).catch(() => undefined);
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new DaemonAlreadyRunning(
          `${this.path} appeared while this daemon was starting: another daemon serves this workspace`,
        );
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
      this.claimed = true;
    } finally {
      await unlock();
    }
  }

  /** Takes `daemon.json.lock` (O_EXCL, holding our pid); a lock left by a dead process is broken. */
  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // Held for milliseconds by a live daemon; a dead holder, or one that died before writing
      // its pid, leaves it for good.
      if ((holder > 0 && !isOwnProcessAlive(holder)) || (!(holder > 0) && age > LOCK_WAIT_MS / 2)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline)
        throw new DaemonAlreadyRunning(
          `another daemon is starting for this workspace: ${lockPath} is held by process ${holder || 'unknown'}`,
        );
      await sleep(10 + Math.random() * 20);
    }
  }

  /**
   * Removes the files if they are still this daemon's, `daemon.json` first. Synchronous: it also
   * runs on process exit.
   */
  release(): void {
    if (!this.claimed) return;
    this.claimed = false;
    try {
      const state = parseDaemonFile(readFileSync(this.path, 'utf8'));
      if (state.kind !== 'live' || state.info.pid === process.pid) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
    try {
      const owner = JSON.parse(readFileSync(this.tokenPath, 'utf8')) as { pid?: unknown };
      if (owner.pid === process.pid) unlinkSync(this.tokenPath);
    } catch {
      // Already gone, or not ours to remove.
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
          `a daemon is already running for this workspace (pid ${state.info.pid}, ${state.info.url}); share it with "npx reloadd connect --stdio", or stop it first`,
        );
      case 'stale':
        this.logger.info(
          { file: this.path, pid: state.info.pid },
          `replacing a stale discovery file: process ${state.info.pid} is gone`,
        );
        // Its token file goes with it, if it is where this daemon keeps its own.
        if (
          state.info.tokenFile &&
          path.dirname(state.info.tokenFile) === path.dirname(this.tokenPath)
        )
          await unlink(state.info.tokenFile).catch(() => undefined);
        break;
      case 'invalid':
        this.logger.warn(
          { file: this.path },
          `replacing an unreadable discovery file (${state.problem})`,
        );
        break;
      case 'untrusted':
        // In our own 0700 folder, yet not ours (root's, say) or open to others: not to be kept.
        this.logger.warn(
          { file: this.path },
          `replacing a discovery file clients would not trust: ${state.reason}`,
        );
        break;
      case 'missing':
        return;
    }
    await unlink(this.path).catch(() => undefined);
  }
}

/** Writes `content` as JSON beside `file`, 0600 from its creation; returns where. */
async function writeAside(file: string, content: unknown): Promise<string> {
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  return temporary;
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
