/**
 * npx runs `reloadd serve` through `sh -c` and hands a signal it gets to that shell, which ends
 * without passing it on: `kill` of npx's process (a script's `kill $!`, a process manager's stop)
 * would leave the daemon running, holding its workspace, its state unsaved until it is found. So a
 * standalone daemon that npx started stops, as on SIGTERM, once the shell it was started in is
 * gone. Only npx's: a daemon a shell puts in the background may outlive that shell on purpose.
 */
export function launcherGone(
  env: NodeJS.ProcessEnv,
  parentAtStart: number,
  parentNow: number,
): string | undefined {
  if (env.npm_command !== 'exec' || parentNow === parentAtStart) return undefined;
  return `npx, which started this daemon, has ended (its shell, process ${parentAtStart}, is gone)`;
}
