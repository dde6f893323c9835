import { describe, expect, it } from 'vitest';
import { launcherGone } from '../../../src/daemon/launcher.js';

/** When a standalone daemon stops because what started it has ended. */
describe('launcherGone', () => {
  const npx = { npm_command: 'exec' };

  it('stops a daemon npx started once the shell npx ran it in is gone', () => {
    expect(launcherGone(npx, 4100, 4100)).toBeUndefined();
    expect(launcherGone(npx, 4100, 1)).toBe(
      'npx, which started this daemon, has ended (its shell, process 4100, is gone)',
    );
  });

  it('lets any other daemon outlive what started it: a shell may put one in the background on purpose', () => {
    expect(launcherGone({}, 4100, 1)).toBeUndefined();
    expect(launcherGone({ npm_command: 'run-script' }, 4100, 1)).toBeUndefined();
  });
});
