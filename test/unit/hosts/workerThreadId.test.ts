import { describe, expect, it } from 'vitest';
import { workerThreadId } from '../../../src/daemon/debugging/InspectorSession.js';

describe('workerThreadId', () => {
  it("reads a worker's thread id from the title Node gives it, not from the session's own numbering", () => {
    // As a session of Node 20 reports a plugin host (thread 1) beside the type-check thread (2).
    expect(workerThreadId({ workerId: '3', title: '[worker 1] reloadd plugin host shared' })).toBe(
      1,
    );
    expect(workerThreadId({ workerId: '1', title: '[worker 2] reloadd type check' })).toBe(2);
    expect(workerThreadId({ workerId: '2', title: '[worker 12]' })).toBe(12);
    expect(workerThreadId({ workerId: '1', title: 'a title of another form' })).toBeUndefined();
  });
});
