import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** An editor run by a test: what to start, and how to say it is missing. */
export interface HeadlessRun {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The file the editor's script writes its JSON results to. */
  results: string;
  /** Past this, the editor (and, with `group`, all it started) is killed. */
  limitMs: number;
  /** What to install when the editor is not there: "Neovim 0.7 or later (Debian: neovim)". */
  needs: string;
  /** Start it as a process group, killed whole when it ends or is killed (the daemon it ran). */
  group?: boolean;
}

/**
 * Runs an editor without a terminal on a script of the test's, until the script quits it, and
 * reads the JSON the script wrote. No input: a prompt the script did not catch reads end of file
 * at once. However it ends, it ends within `limitMs`.
 */
export async function runHeadless<T>(
  run: HeadlessRun,
): Promise<{ code: number | null; results: T; output: string }> {
  const child = spawn(run.command, run.args, {
    cwd: run.cwd,
    env: run.env,
    detached: run.group === true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killAll = () => {
    try {
      if (run.group && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // Nothing was left.
    }
  };
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      killAll();
      reject(
        new Error(`${run.command} did not quit within ${run.limitMs} ms; it printed:\n${output}`),
      );
    }, run.limitMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`could not run ${run.command} (${error.message}): the test needs ${run.needs}`),
      );
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      // Whatever it left running in its group (a daemon it did not stop) ends with it.
      if (run.group) killAll();
      resolve(exitCode);
    });
  });
  const json = await readFile(run.results, 'utf8').catch(() => {
    throw new Error(
      `the script wrote no results (${run.command} exited with ${code}); it printed:\n${output}`,
    );
  });
  return { code, results: JSON.parse(json) as T, output };
}
