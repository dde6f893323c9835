// Disk faults made on purpose (as root), shared by `npm run bench:durability` and
// test/e2e/state/diskFaults.test.ts: a file system filled to its last byte, a bind mount remounted
// read-only under a daemon that is writing there, and a plugin whose state outgrows a full disk.
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import path from 'node:path';

/** `mount ARGS…`, its complaints kept out of the output (a failure throws). */
export function mount(...args) {
  execFileSync('mount', args, { stdio: 'ignore' });
}

/**
 * A counter (`command` increments it) whose state grows by 100 bytes an increment. A full tmpfs
 * frees the old file's pages at each rename, so a state of constant size would fit again and
 * again in the room its own last write left: one that grows outgrows it, as real state does.
 */
export function growingCounter(command) {
  return `let state = { count: 0, log: [] };
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register(${JSON.stringify(command)}, () => {
    state.count += 1;
    state.log.push(\`increment \${state.count} \`.padEnd(100, '.'));
    return state.count;
  }));
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;
}

/** Fills the file system that holds `dir` to its last byte; resolves with the file that holds it. */
export async function fillUp(dir) {
  const filler = path.join(dir, 'filler');
  const handle = await open(filler, 'w');
  try {
    for (const size of [64 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        const written = await handle.write(chunk).then(
          (w) => w.bytesWritten,
          (error) => {
            if (error.code !== 'ENOSPC') throw error;
            return 0;
          },
        );
        if (written < size) break;
      }
    }
  } finally {
    await handle.close();
  }
  return filler;
}

/**
 * Remounts a bind mount read-only while a daemon writes there. The kernel refuses (EBUSY) while a
 * file is open for writing on it, so this tries again until it lands between two writes, as an
 * administrator's `mount -o remount,ro` would be retried.
 */
export function remountReadOnly(dir) {
  for (let attempt = 1; ; attempt++) {
    try {
      mount('-o', 'remount,ro,bind', dir);
      return;
    } catch (error) {
      if (attempt >= 1000) throw error;
    }
  }
}
