// A tool that reports on stdout with `READY <version> <count>` lines: started in a process group
// of its own, so that stopping it also stops what it started (nodemon's, node --watch's and tsx's
// child, the host), and nothing is left behind even when the harness fails.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** Process groups still running, stopped synchronously if the harness exits early. */
const running = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/** Last resort on any exit of the harness (an error, Ctrl-C): SIGKILL every group left. */
export function killAllNow() {
  for (const pid of running) killGroup(pid, 'SIGKILL');
  running.clear();
}

/**
 * A line saying a load failed: a host's own `ERROR` line, or a runtime's report of a module it
 * could not evaluate. The bench writes only whole, valid sources, so a failed load is the load of
 * a file read before its write was over.
 */
const LOAD_FAILED = /ERROR |SyntaxError|does not provide an export/;

/**
 * Spawns `command args` in `cwd`. `waitFor(version)` resolves with the `performance.now()` at
 * which the line reporting `version` was read; `reports` holds every READY line seen;
 * `failedLoads` the times of the lines saying a load failed.
 */
export function startLineTool(command, args, { cwd, env = {} }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const tail = [];
  // A spawn that fails (no pid) ends up as a start timeout with this in the output.
  child.on('error', (error) => tail.push(`spawn error: ${error.message}`));
  if (child.pid) running.add(child.pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const reports = [];
  const failedLoads = [];
  const waiters = new Set();
  const onLine = (line) => {
    const at = performance.now();
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (LOAD_FAILED.test(line)) failedLoads.push(at);
    // Anywhere in the line: a tool may prefix it (escape codes, a clear-screen).
    const match = /READY (\S+) (\d+)/.exec(line);
    if (!match) return;
    const report = { version: match[1], count: Number(match[2]), at };
    reports.push(report);
    for (const waiter of waiters) waiter(report);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(`stderr: ${line}`);
    if (tail.length > 20) tail.shift();
    if (LOAD_FAILED.test(line)) failedLoads.push(performance.now());
  });

  const waitFor = (version, timeoutMs) =>
    new Promise((resolve, reject) => {
      const done = (report) => {
        if (report.version !== version) return;
        cleanup();
        resolve(report.at);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no READY ${version} within ${timeoutMs} ms; last output:\n${tail.join('\n')}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(done);
      };
      waiters.add(done);
      // It may have come already (the initial load races the caller).
      const seen = reports.find((r) => r.version === version);
      if (seen) done(seen);
    });

  /** SIGTERM to the group, SIGKILL to whatever is left of it after 3 s or once the leader ended. */
  const stop = async () => {
    if (!running.has(child.pid)) return;
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    // The leader's children may outlive it (a host that ignores the signal): none may remain.
    killGroup(child.pid, 'SIGKILL');
    running.delete(child.pid);
  };

  return { child, reports, failedLoads, waitFor, stop, output: () => tail.join('\n') };
}
