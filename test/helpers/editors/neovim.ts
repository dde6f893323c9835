import path from 'node:path';
import { CLI_PATH } from '../paths.js';
import { runHeadless } from './headlessEditor.js';

/**
 * Runs a headless Neovim on a Lua script in `workspace` until the script quits it, and reads the
 * JSON the script wrote to `$RELOADD_RESULTS`. Neovim's own files (the LSP log that gets a
 * daemon's stderr) stay in the temp folder; no daemon is found but the test's own.
 */
export async function runNeovimScript<T>(
  script: string,
  workspace: string,
  env: Record<string, string>,
): Promise<{ code: number | null; results: T; output: string }> {
  const results = path.join(workspace, 'nvim-results.json');
  const home = path.join(workspace, 'nvim-home');
  // The script quits itself (`qa!`); `cquit` (exit code 1) ends a Neovim whose script could not
  // even load, instead of leaving it idle.
  return runHeadless<T>({
    command: 'nvim',
    args: [
      '--headless',
      '-u',
      'NONE',
      '-i',
      'NONE',
      '-n',
      '-c',
      `luafile ${script}`,
      '-c',
      'cquit',
    ],
    cwd: workspace,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_STATE_HOME: path.join(home, 'state'),
      RELOADD_URL: '',
      RELOADD_TOKEN: '',
      RELOADD_CLI: CLI_PATH,
      RELOADD_RESULTS: results,
      ...env,
    },
    results,
    limitMs: 50_000,
    needs: 'Neovim 0.7 or later on PATH (Debian: neovim; .ci/run installs it)',
  });
}
