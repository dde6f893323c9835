/** A setting someone got wrong: the CLI prints it and exits with 2. */
export class UsageError extends Error {}
