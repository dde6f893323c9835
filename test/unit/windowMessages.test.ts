import { describe, expect, it } from 'vitest';
import { reloadMessages } from '../../src/daemon/sessions/window/windowMessages.js';
import type { DidReloadParams } from '../../src/protocol/index.js';

const dir = '/home/me/plugins';
const failed = (fields: Partial<DidReloadParams>): DidReloadParams => ({
  id: 'greeter',
  ok: false,
  generation: 2,
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
  it('a rollback is a Warning with its place and the first line of the error, and buttons', () => {
    const { show, log } = reloadMessages(failed({ rolledBack: true }), dir, false);
    expect(show).toEqual({
      type: 2,
      message:
        'reloadd: greeter failed to reload: greeter/index.ts:9: activate failed: boom; generation 2 was brought back with its state',
      actions: ['Reload again', 'Show diagnostics', 'Disable plugin'],
    });
    expect(log.type).toBe(2);
    expect(log.message).toContain('at activate (index.ts:9:11)');
  });

  it('a failure with no place offers no diagnostics to show; a first load that failed says so', () => {
    const { show } = reloadMessages(
      failed({ trigger: 'startup', generation: 0, error: { code: 'X', message: 'no activate' } }),
      dir,
      false,
    );
    expect(show).toEqual({
      type: 1,
      message: 'reloadd: greeter failed to load: no activate',
      actions: ['Reload again', 'Disable plugin'],
    });
  });

  it('a dependent skipped for its dependency, or a cancelled one, is logged but not shown', () => {
    for (const code of ['RELOADD_DEPENDENCY_FAILED', 'RELOADD_CANCELLED']) {
      const messages = reloadMessages(
        failed({ error: { code, message: 'not reloaded' } }),
        dir,
        true,
      );
      expect(messages.show).toBeUndefined();
      expect(messages.log.type).toBe(1);
    }
  });

  it('a success is shown only with notifySuccess, and never for a first load', () => {
    const ok = { ...failed({}), ok: true, error: undefined } as DidReloadParams;
    expect(reloadMessages(ok, dir, false).show).toBeUndefined();
    expect(reloadMessages(ok, dir, true).show).toEqual({
      type: 3,
      message: 'reloadd: greeter reloaded (generation 2, 12.5 ms)',
      actions: [],
    });
    expect(reloadMessages({ ...ok, trigger: 'startup' }, dir, true).show).toBeUndefined();
    expect(reloadMessages(ok, dir, false).log).toEqual({
      type: 4,
      message: '[greeter] reloaded generation 2 in 12.5 ms (greeter/index.ts changed)',
    });
  });
});
