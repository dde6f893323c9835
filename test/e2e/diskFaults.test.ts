import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.js';
import { runCli } from '../helpers/network.js';

/**
 * Acknowledged means durable, also when the disk fails: on a small tmpfs filled up while
 * commands run, and on a state folder remounted read-only, no command answered as a success is
 * missing from the state a restart finds; the others are answered RELOADD_STATE_NOT_WRITTEN,
 * and a diagnostic says why until a write succeeds again. Mounting needs root (CI runs as root).
 */

const isRoot = process.getuid?.() === 0;
const _LANES = 4;

const mounted: string[] = [];
afterAll(() => {
  // Whatever a failed test left mounted; before files.ts removes the temp folders.
  for (const dir of mounted.splice(0).reverse()) unmount(dir);
});

function mount(...args: string[]): void {
  execFileSync('mount', args);
}

function unmount(dir: string): void {
  const at = mounted.indexOf(dir);
  if (at >= 0) mounted.splice(at, 1);
  execFileSync('umount', [dir]);
}

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
