import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';

/**
 * Keeps the type-check threads of process `pid` at the daemon's own priority while a test waits
 * for what they find. The daemon runs its checks at nice 19, so that its reloads come first; on
 * a machine busy with other suites that leaves them no cycles at all (at a load of 10 a check of
 * 3 s had not ended after 60 s), and a test of what a check reports would wait on everything else
 * the machine runs. Raising a thread's priority back needs root (as CI runs the suite); elsewhere
 * the threads stay at nice 19. Call the returned function to stop.
 */
export function typeChecksAtDaemonPriority(pid: number): () => void {
  const raise = async () => {
    const threads = await readdir(`/proc/${pid}/task`).catch(() => []);
    for (const tid of threads) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
      // Fields after the command's closing parenthesis; the nice value is the 19th of the line.
      const nice = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16];
      if (nice !== '19') continue;
      try {
        os.setPriority(Number(tid), 0);
      } catch {
        return; // Not root: the checks keep the daemon's choice.
      }
    }
  };
  const timer = setInterval(() => {
    raise().catch(() => undefined);
  }, 50);
  return () => clearInterval(timer);
}
