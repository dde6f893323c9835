import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SETTINGS,
  reloadNotice,
  stateWriteNotice,
  windowPolicy,
} from '../../../src/daemon/sessions/window/windowMessages.js';
import type { Diagnostic, DidReloadParams } from '../../../src/protocol/index.js';

const dir = '/home/me/plugins';
const failed = (fields: Partial<DidReloadParams>): DidReloadParams => ({
  id: 'greeter',
  ok: false,
  generation: 2,
  status: 'active',
  durationMs: 12.5,
  trigger: 'file',
  changedFiles: [`${dir}/greeter/index.ts`],
  error: {
    code: 'RELOADD_ACTIVATE_FAILED',
    message: 'activate failed: boom\n    at activate (index.ts:9:11)',
    file: `${dir}/greeter/index.ts`,
    range: { start: { line: 8, character: 10 }, end: { line: 8, character: 11 } },
  },
  ...fields,
});

describe('what an LSP client is shown of a reload', () => {
  it('a failure whose old generation runs on is a Warning with its place and first line', () => {
    expect(reloadNotice(failed({ rolledBack: true }), dir, false)).toEqual({
      type: 2,
      message:
        'reloadd: greeter failed to reload: greeter/index.ts:9: activate failed: boom; generation 2 was brought back with its state',
      actions: ['Reload again', 'Show diagnostics', 'Disable plugin'],
    });
    expect(reloadNotice(failed({}), dir, false)).toMatchObject({
      type: 2,
      message: expect.stringMatching(/; generation 2 keeps running$/),
    });
  });

  it('a failure with nothing running is an Error; with no place it offers no diagnostics', () => {
    expect(
      reloadNotice(
        failed({
          trigger: 'startup',
          generation: 0,
          status: 'failed',
          error: { code: 'X', message: 'no activate' },
        }),
        dir,
        false,
      ),
    ).toEqual({
      type: 1,
      message: 'reloadd: greeter failed to load: no activate',
      actions: ['Reload again', 'Disable plugin'],
    });
  });

  it('a failure of a plugin that runs no generation any more is an Error that says nothing runs', () => {
    // Stopped by the watchdog at generation 2, then saved with an error.
    const notice = reloadNotice(failed({ status: 'failed' }), dir, false);
    expect(notice?.type).toBe(1);
    expect(notice?.message).toBe(
      'reloadd: greeter failed to reload: greeter/index.ts:9: activate failed: boom',
    );
  });

  it('a dependent skipped for its dependency, or a cancelled one, is not shown', () => {
    for (const code of ['RELOADD_DEPENDENCY_FAILED', 'RELOADD_CANCELLED'])
      expect(
        reloadNotice(failed({ error: { code, message: 'not reloaded' } }), dir, true),
      ).toBeUndefined();
  });

  it('a success is shown only when asked for, and never for a first load', () => {
    const ok = { ...failed({}), ok: true, error: undefined } as DidReloadParams;
    expect(reloadNotice(ok, dir, false)).toBeUndefined();
    expect(reloadNotice(ok, dir, true)).toEqual({
      type: 3,
      message: 'reloadd: greeter reloaded (generation 2, 12.5 ms)',
      actions: [],
    });
    expect(reloadNotice({ ...ok, trigger: 'startup' }, dir, true)).toBeUndefined();
  });
});

describe('which of them a client gets', () => {
  const showsButtons = {
    showMessage: { messageActionItem: { additionalPropertiesSupport: true } },
  };

  it('by default: failures as plain messages and the log, whatever the client declared', () => {
    const expected = { failures: 'message', successes: false, logs: true, opensDocuments: false };
    expect(windowPolicy(DEFAULT_WINDOW_SETTINGS, {})).toEqual(expected);
    expect(windowPolicy(DEFAULT_WINDOW_SETTINGS, { window: showsButtons })).toEqual(expected);
    expect(
      windowPolicy(DEFAULT_WINDOW_SETTINGS, { window: { showDocument: { support: true } } }),
    ).toEqual({ ...expected, opensDocuments: true });
  });

  it('buttons only for a client that asks, or that declares them when the daemon offers them', () => {
    const offered = { ...DEFAULT_WINDOW_SETTINGS, messageActions: true };
    expect(
      windowPolicy(DEFAULT_WINDOW_SETTINGS, { options: { messageActions: true } }).failures,
    ).toBe('actions');
    expect(windowPolicy(offered, { window: showsButtons }).failures).toBe('actions');
    expect(windowPolicy(offered, {}).failures).toBe('message');
    expect(
      windowPolicy(offered, { window: showsButtons, options: { messageActions: false } }).failures,
    ).toBe('message');
  });

  it("each switch apart, the client's own over the daemon's", () => {
    const quiet = { ...DEFAULT_WINDOW_SETTINGS, notifications: false, logMessages: false };
    expect(windowPolicy(quiet, {})).toEqual({
      failures: 'none',
      successes: false,
      logs: false,
      opensDocuments: false,
    });
    expect(windowPolicy(quiet, { options: { logMessages: true } })).toMatchObject({
      failures: 'none',
      logs: true,
    });
    expect(
      windowPolicy(DEFAULT_WINDOW_SETTINGS, {
        options: { notifications: false, notifySuccess: true },
      }),
    ).toMatchObject({ failures: 'none', successes: false, logs: true });
    expect(
      windowPolicy(DEFAULT_WINDOW_SETTINGS, { options: { notifySuccess: null } }).successes,
    ).toBe(false);
  });
});

describe("what an LSP client is shown of a plugin's state that cannot be written", () => {
  const notWritten: Diagnostic = {
    pluginId: 'counter',
    severity: 'error',
    code: 'RELOADD_STATE_NOT_WRITTEN',
    message:
      "the plugin's state could not be written to /s/counter.snapshot: the disk is full (ENOSPC). Its commands fail…",
    file: '/s/counter.snapshot',
  };
  const other: Diagnostic = { ...notWritten, code: 'RELOADD_RUNTIME_ERROR', message: 'boom' };

  it('an Error when its diagnostics gain the code, an Info when they lose it, nothing in between', () => {
    expect(stateWriteNotice('counter', [other, notWritten], false)).toEqual({
      failing: true,
      notice: {
        type: 1,
        message:
          "reloadd: counter: the plugin's state could not be written to /s/counter.snapshot: the disk is full (ENOSPC). Its commands fail…",
        actions: [],
      },
    });
    // Every failed write publishes the list again (the same, or a new cause): said once.
    expect(stateWriteNotice('counter', [notWritten], true)).toEqual({ failing: true });
    expect(stateWriteNotice('counter', [other], true)).toEqual({
      failing: false,
      notice: {
        type: 3,
        message: "reloadd: counter's state is written again; its commands succeed again",
        actions: [],
      },
    });
    expect(stateWriteNotice('counter', [other], false)).toEqual({ failing: false });
    expect(stateWriteNotice('counter', [], false)).toEqual({ failing: false });
  });
});
