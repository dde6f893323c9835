import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_PATH } from './paths.js';

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
  const child = spawn(
    'nvim',
    ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${script}`, '-c', 'cquit'],
    {
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
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nvim did not quit within 50 s; it printed:\n${output}`));
    }, 50_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not run nvim (${error.message}): the Neovim tests need Neovim 0.7 or later on PATH (.ci/run installs it)`,
        ),
      );
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const json = await readFile(results, 'utf8').catch(() => {
    throw new Error(
      `the script wrote no results (nvim exited with ${code}); it printed:\n${output}`,
    );
  });
  return { code, results: JSON.parse(json) as T, output };
}
