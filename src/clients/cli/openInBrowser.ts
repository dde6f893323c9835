import { spawn } from 'node:child_process';
import { CliExit, ExitCode } from './exitCodes.js';

/**
 * `reloadd dashboard --open`: hands the link to the system's opener (xdg-open, open, start), as
 * an argument, never through a shell. Any local user can read a process's arguments
 * (/proc/PID/cmdline), so the link must hold no lasting secret: the caller gives one with a
 * one-time code (dashboardCodeLink), never the token.
 */
export async function openInBrowser(link: string): Promise<void> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [link]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', link]]
        : ['xdg-open', [link]];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', (error) =>
      reject(
        new CliExit(
          ExitCode.Failed,
          `could not open a browser (${command}: ${error.message}); open the link above yourself`,
        ),
      ),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
