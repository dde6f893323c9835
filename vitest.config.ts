import { defineConfig } from 'vitest/config';
import { EVENT_WAIT_MS, TEST_LIMIT_MS } from './test/helpers/waits.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    // Limits for what never comes, not speeds: see test/helpers/waits.ts.
    testTimeout: TEST_LIMIT_MS,
    hookTimeout: EVENT_WAIT_MS,
    // expect.poll waits for an event it cannot be told of; vitest's second is a speed, not an
    // event, and a busy machine misses it (seen: the dashboard's timeline after a reload).
    expect: { poll: { timeout: EVENT_WAIT_MS } },
    // Each file spawns its own daemons in its own temp folders; two cores run two files at once
    // (vitest's own default leaves one core idle: 232 s a run here, against 136 s with two).
    fileParallelism: true,
    maxWorkers: 2,
  },
});
