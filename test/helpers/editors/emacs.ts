import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CLI_PATH } from '../paths.js';
import { runHeadless } from './headlessEditor.js';

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
): Promise<{ code: number | null; results: T; output: string }> {
  const results = path.join(workspace, 'emacs-results.json');
  const home = path.join(workspace, 'emacs-home');
  await mkdir(path.join(home, '.emacs.d'), { recursive: true });
  return runHeadless<T>({
    command: 'emacs',
    args: ['--batch', '--load', script],
    cwd: workspace,
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
    results,
    limitMs: HARD_LIMIT_MS,
    needs: 'Emacs 28 on PATH (Debian: emacs-nox elpa-eglot elpa-lsp-mode; .ci/run installs them)',
    group: true,
  });
}
