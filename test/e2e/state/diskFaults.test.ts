import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillUp, growingCounter, mount, remountReadOnly } from '../../../bench/diskFaults.mjs';
import {
  DiagnosticCodes,
  PluginExecuteCommand,
  PluginGetState,
  type PublishDiagnosticsParams,
  ReloaddErrorCodes,
  ShowMessage,
} from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';
import { runCli } from '../../helpers/network.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/**
 * Acknowledged means durable, also when the disk fails: on a small tmpfs filled up while
 * commands run, and on a state folder remounted read-only, no command answered as a success is
 * missing from the state a restart finds; the others are answered RELOADD_STATE_NOT_WRITTEN,
 * and a diagnostic says why until a write succeeds again. Mounting needs root (CI runs as root).
 */

const isRoot = process.getuid?.() === 0;
const LANES = 4;

const mounted: string[] = [];
afterAll(() => {
  // Whatever a failed test left mounted; before files.ts removes the temp folders.
  for (const dir of mounted.splice(0).reverse()) unmount(dir);
});

function unmount(dir: string): void {
  const at = mounted.indexOf(dir);
  if (at >= 0) mounted.splice(at, 1);
  execFileSync('umount', [dir]);
}

interface ErrorAnswer {
  message: string;
  data?: { code?: string };
}

/** Increments over several lanes until stopped: the highest number answered, and the errors. */
function incrementing(daemon: DaemonUnderTest) {
  let running = true;
  let answers = 0;
  let successes = 0;
  let highestAcknowledged = 0;
  const failures: ErrorAnswer[] = [];
  let waiting: { answers: number; successes: number; resolve(): void }[] = [];
  const lane = async () => {
    while (running) {
      const answer = await daemon.client
        .request(PluginExecuteCommand, { command: 'count.increment' })
        .then(
          (value) => ({ value }),
          (error: ErrorAnswer) => ({ error }),
        );
      answers += 1;
      if ('error' in answer) failures.push(answer.error);
      else if (typeof answer.value === 'number') {
        successes += 1;
        highestAcknowledged = Math.max(highestAcknowledged, answer.value);
      }
      waiting = waiting.filter((w) => {
        if (answers < w.answers || successes < w.successes) return true;
        w.resolve();
        return false;
      });
    }
  };
  const lanes = Promise.all(Array.from({ length: LANES }, lane));
  return {
    /** Resolves once `more` answers (of `successes` successes at least) have come from now on. */
    after(more: { answers?: number; successes?: number }): Promise<void> {
      return new Promise((resolve) =>
        waiting.push({
          answers: answers + (more.answers ?? 0),
          successes: successes + (more.successes ?? 0),
          resolve,
        }),
      );
    },
    async stop() {
      running = false;
      await lanes;
      return { answers, successes, highestAcknowledged, failures };
    },
  };
}

/**
 * What a restart found against what was answered: no acknowledged increment missing, and every
 * other answer RELOADD_STATE_NOT_WRITTEN naming the cause and the file.
 */
function expectNothingAcknowledgedLost(
  tally: { highestAcknowledged: number; failures: ErrorAnswer[] },
  restored: number,
  cause: string,
  file: string,
): void {
  expect(tally.highestAcknowledged - restored, 'acknowledged increments lost').toBeLessThanOrEqual(
    0,
  );
  expect(tally.failures.length).toBeGreaterThan(0);
  for (const failure of tally.failures) {
    expect(failure.data?.code).toBe(ReloaddErrorCodes.StateNotWritten);
    expect(failure.message).toContain(cause);
    expect(failure.message).toContain(file);
  }
}

async function countOnRestart(plugins: string, stateDir: string): Promise<number> {
  const daemon = await startDaemon(plugins, { args: ['--state-dir', stateDir], expectPlugins: 1 });
  const { state } = await daemon.client.request(PluginGetState, { id: 'count' });
  await daemon.stop();
  return (state as { count: number }).count;
}

const notWritten = (p: PublishDiagnosticsParams) =>
  p.pluginId === 'count' && p.diagnostics.some((d) => d.code === DiagnosticCodes.StateNotWritten);

describe.skipIf(!isRoot)('a state folder whose disk fails (mounts: root only)', () => {
  it('on a disk that fills up: nothing acknowledged is lost, the rest is RELOADD_STATE_NOT_WRITTEN, and it clears once space comes back', async () => {
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'count.js'), growingCounter('count.increment'));
    const disk = await tempDir();
    mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk);
    mounted.push(disk);
    try {
      const stateDir = path.join(disk, 'state');
      const daemon = await startDaemon(plugins, {
        args: ['--state-dir', stateDir],
        expectPlugins: 1,
      });
      const shown = NotificationLog.of(daemon.client, ShowMessage);
      const run = incrementing(daemon);
      await run.after({ successes: 20 });
      const filler = await fillUp(disk);
      await run.after({ answers: 200 });
      const tally = await run.stop();
      // Killed where it stands: only what is on disk is left.
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      daemon.client.dispose();

      // Still full: the state read back holds every acknowledged increment.
      const restarted = await startDaemon(plugins, {
        args: ['--state-dir', stateDir],
        expectPlugins: 1,
      });
      const { state } = await restarted.client.request(PluginGetState, { id: 'count' });
      const restored = (state as { count: number }).count;
      expectNothingAcknowledgedLost(
        tally,
        restored,
        'the disk is full (ENOSPC)',
        path.join(stateDir, 'count.snapshot'),
      );
      const told = (await daemon.diagnostics.waitFor(notWritten)).diagnostics.find(
        (d) => d.code === DiagnosticCodes.StateNotWritten,
      );
      expect(told).toMatchObject({
        severity: 'error',
        file: path.join(stateDir, 'count.snapshot'),
      });
      expect(told?.message).toContain('ENOSPC');
      expect(
        shown.all.filter((m) => m.type === 1 && m.message.includes('count')).length,
      ).toBeGreaterThan(0);

      // Commands go on failing while the disk is full. Full again first: the restart may have
      // freed a few blocks (the killed daemon's temporary files), room for one more small write.
      await fillUp(disk);
      await expect(
        restarted.client.request(PluginExecuteCommand, { command: 'count.increment' }),
      ).rejects.toMatchObject({ data: { code: ReloaddErrorCodes.StateNotWritten } });
      await restarted.diagnostics.waitFor(notWritten);

      // Space comes back: the next command succeeds, and the diagnostic is gone.
      const restartedShown = NotificationLog.of(restarted.client, ShowMessage);
      const mark = restarted.diagnostics.mark;
      await rm(filler);
      const acknowledged = (await restarted.client.request(PluginExecuteCommand, {
        command: 'count.increment',
      })) as number;
      await restarted.diagnostics.waitFor((p) => p.pluginId === 'count' && !notWritten(p), {
        from: mark,
        what: 'the diagnostic cleared',
      });
      await restartedShown.waitFor((m) => m.type === 3 && m.message.includes('written again'), {
        what: 'an Info message that the state is written again',
      });
      expect(await restarted.stop()).toBe(0);
      expect(await countOnRestart(plugins, stateDir)).toBeGreaterThanOrEqual(acknowledged);
    } finally {
      unmount(disk);
    }
  });

  it('on a folder remounted read-only: nothing acknowledged is lost, and a stop that cannot save says so and exits 1', async () => {
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'count.js'), counterPlugin('count', 'v1'));
    const stateDir = path.join(await tempDir(), 'state');
    await mkdir(stateDir, { mode: 0o700 });
    mount('--bind', stateDir, stateDir);
    mounted.push(stateDir);
    try {
      const daemon = await startDaemon(plugins, {
        args: ['--state-dir', stateDir],
        expectPlugins: 1,
      });
      const run = incrementing(daemon);
      await run.after({ successes: 20 });
      remountReadOnly(stateDir);
      await run.after({ answers: 200 });
      const tally = await run.stop();
      // The stop cannot write the state either.
      const exitCode = await daemon.stop();

      mount('-o', 'remount,rw,bind', stateDir);
      const restored = await countOnRestart(plugins, stateDir);
      expectNothingAcknowledgedLost(
        tally,
        restored,
        'the file system is read-only (EROFS)',
        path.join(stateDir, 'count.snapshot'),
      );
      const told = daemon.diagnostics.all
        .find(notWritten)
        ?.diagnostics.find((d) => d.code === DiagnosticCodes.StateNotWritten);
      expect(told?.message).toContain('the file system is read-only (EROFS)');
      // What the stop could not write is said, and the exit code says it too.
      expect(exitCode).toBe(1);
      expect(daemon.stderr()).toContain('could not be written');
      expect(daemon.stderr()).toContain('as the daemon stopped');
    } finally {
      unmount(stateDir);
    }
  });
});

describe('the state folder, checked at start', () => {
  const serve = async (stateDir: string) => {
    const plugins = await tempDir();
    const run = await runCli(['serve', '--stdio', '--plugins', plugins, '--state-dir', stateDir], {
      cwd: plugins,
    });
    return { ...run, lines: run.stderr.trim().split('\n') };
  };

  it('refuses a file, or a path under one, in one line and exit code 2', async () => {
    const file = await serve('/etc/passwd');
    expect(file.code).toBe(2);
    expect(file.lines).toEqual([
      'reloadd: the state folder /etc/passwd is a file, not a folder: give --state-dir (or "stateDir") a folder',
    ]);
    const under = await serve('/etc/passwd/state');
    expect(under.code).toBe(2);
    expect(under.lines).toHaveLength(1);
    expect(under.lines[0]).toMatch(
      /^reloadd: the state folder \/etc\/passwd\/state cannot be made: .*ENOTDIR/,
    );
  });

  it('refuses a folder others may write to', async () => {
    const open = path.join(await tempDir(), 'state');
    await mkdir(open);
    await chmod(open, 0o777);
    const run = await serve(open);
    expect(run.code).toBe(2);
    expect(run.lines).toEqual([
      `reloadd: the state folder ${open} is writable by others (mode 0777): anyone could change the plugins' saved state; chmod go-w ${open}`,
    ]);
  });

  it.skipIf(!isRoot)(
    'refuses a folder of another user, and one that cannot be written (root only)',
    async () => {
      const theirs = path.join(await tempDir(), 'state');
      await mkdir(theirs, { mode: 0o700 });
      await chown(theirs, 65534, 65534);
      const owned = await serve(theirs);
      expect(owned.code).toBe(2);
      expect(owned.lines).toEqual([
        `reloadd: the state folder ${theirs} belongs to user 65534, not to you (user 0): its owner could change the plugins' saved state; give a folder of your own`,
      ]);

      const readOnly = path.join(await tempDir(), 'state');
      await mkdir(readOnly, { mode: 0o700 });
      mount('--bind', readOnly, readOnly);
      mounted.push(readOnly);
      try {
        mount('-o', 'remount,ro,bind', readOnly);
        const run = await serve(readOnly);
        expect(run.code).toBe(2);
        expect(run.lines).toEqual([
          `reloadd: the state folder ${readOnly} cannot be written: the file system is read-only (EROFS)`,
        ]);
      } finally {
        unmount(readOnly);
      }
    },
  );
});
