/**
 * How long a test waits for an event before it calls it missing. Generous on purpose: a machine
 * running other suites beside this one is slower by a factor no one chose (a type check that takes
 * 3 s idle took over 15 s under a load of 10), and a wait that ends too soon fails a correct
 * daemon. A missing event still fails, with what was received, well inside the test's own limit.
 */
export const EVENT_WAIT_MS = 60_000;

/** A test's own limit: room for several waits in a row, each bounded by EVENT_WAIT_MS. */
export const TEST_LIMIT_MS = 150_000;
