import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Only root can create a user and run processes as one; tests that need it skip otherwise. */
export const IS_ROOT = process.getuid?.() === 0;

/** Another local user of the machine, created for one test file and removed after it. */
export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
  /** Starts `command` as this user (no supplementary groups), with `options`. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs `command` as this user to the end; throws if it fails. */
  run(command: string, args: string[]): void;
  /** Ends what `spawn` started that still runs, waits for it to end, and deletes the user. */
  remove(): Promise<void>;
}

/**
 * `useradd` a user with a random name (`reloadd-test-…`), no home and no login shell. The caller
 * removes it (`remove()`, in afterAll) so no test run leaves a user behind.
 */
export function createThrowawayUser(): LocalUser {
  const name = `reloadd-test-${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name], {
    stdio: 'ignore',
  });
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }));
  const uid = id('-u');
  const gid = id('-g');
  const as = ['--reuid', String(uid), '--regid', String(gid), '--clear-groups'];
  const started = new Set<ChildProcess>();
  return {
    name,
    uid,
    gid,
    spawn(command, args, options = {}) {
      const child = spawn('setpriv', [...as, command, ...args], options);
      started.add(child);
      child.once('exit', () => started.delete(child));
      return child;
    },
    run(command, args) {
      execFileSync('setpriv', [...as, command, ...args], { stdio: 'ignore' });
    },
    async remove() {
      // userdel refuses a user that still runs a process: what the test started ends first.
      await Promise.all(
        [...started].map(
          (child) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGKILL');
            }),
        ),
      );
      execFileSync('userdel', [name], { stdio: 'ignore' });
    },
  };
}
