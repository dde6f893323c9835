/**
 * The CLI's exit codes, as docs/command-line.md documents them ("Exit codes"); scripts and CI
 * rely on them.
 */
export const ExitCode = {
  Ok: 0,
  /** A reload or a check failed (the output says which). */
  Failed: 1,
  /** The command line was wrong. */
  Usage: 2,
  /** No daemon could be reached. */
  NoDaemon: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Ends a command with this exit code and message (on stderr), and the daemon's RELOADD_ code. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
