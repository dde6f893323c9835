import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_PATH } from './paths.js';

/**
 * How long an Emacs run may take before it is killed: its script's waits end by 40 s. Each is
 * a poll for an event; the bounds are there for a run that misses one, however busy the machine.
 */
const HARD_LIMIT_MS = 50_000;

/**
 * Runs `emacs --batch` on an Elisp script in `workspace` until the script exits Emacs, and reads
 * the JSON the script wrote to `$RELOADD_RESULTS`. HOME, the XDG folders and so
 * `user-emacs-directory` are in the temp folder: no user configuration is read, and what Emacs
 * writes (native-compiled advice trampolines, lsp-mode's session file) stays there. Emacs and
 * the daemon it started are one process group, killed together if Emacs outlives its limit.
 */
export async function runEmacsScript<T>(
  script: string,
  workspace: string,
  env: Record<string, string>,
): Promise<{ code: number | null; results: T; output: string; ms: number }> {
  const results = path.join(workspace, 'emacs-results.json');
  const home = path.join(workspace, 'emacs-home');
  await mkdir(path.join(home, '.emacs.d'), { recursive: true });
  const started = performance.now();
  const child = spawn('emacs', ['--batch', '--load', script], {
    cwd: workspace,
    detached: true,
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      RELOADD_URL: '',
      RELOADD_TOKEN: '',
      RELOADD_NODE: process.execPath,
      RELOADD_CLI: CLI_PATH,
      RELOADD_RESULTS: results,
      RELOADD_WAIT: '20',
      RELOADD_BUDGET: '40',
      ...env,
    },
    // No terminal and no input: a prompt the script did not catch reads end-of-file at once.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`emacs did not exit within ${HARD_LIMIT_MS} ms; it printed:\n${output}`));
    }, HARD_LIMIT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not run emacs (${error.message}): the Emacs tests need Emacs 28 on PATH (Debian: emacs-nox elpa-eglot elpa-lsp-mode)`,
        ),
      );
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      // Whatever Emacs left running in its group (a daemon it did not stop) ends with it.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Nothing was left.
      }
      resolve(exitCode);
    });
  });
  const ms = performance.now() - started;
  const json = await readFile(results, 'utf8').catch(() => {
    throw new Error(
      `the script wrote no results (emacs exited with ${code}); it printed:\n${output}`,
    );
  });
  return { code, results: JSON.parse(json) as T, output, ms };
}
