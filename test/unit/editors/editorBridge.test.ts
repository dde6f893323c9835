import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DiagnosticsStore } from '../../../src/daemon/diagnostics/DiagnosticsStore.js';
import { EditorBridge, type EditorCaller } from '../../../src/daemon/toClients/EditorBridge.js';
import type { Diagnostic, EditorCallParams } from '../../../src/protocol/index.js';

const logger = pino({ level: 'silent' });

/** The diagnostics a bridge publishes, as a client sees them: each plugin's last list. */
function publishedDiagnostics() {
  const published = new Map<string, Diagnostic[]>();
  const store = new DiagnosticsStore({
    notify: (_def, params) => {
      const { pluginId, diagnostics } = params as { pluginId: string; diagnostics: Diagnostic[] };
      published.set(pluginId, diagnostics);
    },
  });
  return { store, published };
}

function fakeEditor(name: string, answer: (p: EditorCallParams) => unknown = () => name) {
  const seen: EditorCallParams[] = [];
  const channel: EditorCaller = {
    call: async (params) => {
      seen.push(params);
      return answer(params);
    },
  };
  return { name, seen, channel };
}

describe('EditorBridge', () => {
  it('sends each call to the editor that was active last', async () => {
    const bridge = new EditorBridge(1000, logger, publishedDiagnostics().store);
    const a = fakeEditor('a');
    const b = fakeEditor('b');
    const ra = bridge.register('a', a.channel, ['getEditorInfo']);
    const rb = bridge.register('b', b.channel, ['getEditorInfo']);
    // The one that connected last counts as active until another speaks.
    expect(await bridge.call('p', 'getEditorInfo', [])).toBe('b');
    ra.touch();
    expect(await bridge.call('p', 'getEditorInfo', [])).toBe('a');
    rb.touch();
    expect(await bridge.call('p', 'getEditorInfo', [1])).toBe('b');
    rb.remove();
    expect(await bridge.call('p', 'getEditorInfo', [])).toBe('a');
    expect(b.seen).toEqual([
      { pluginId: 'p', method: 'getEditorInfo', args: [] },
      { pluginId: 'p', method: 'getEditorInfo', args: [1] },
    ]);
  });

  it('waits for an editor to connect, up to the timeout', async () => {
    const bridge = new EditorBridge(5000, logger, publishedDiagnostics().store);
    const pending = bridge.call('p', 'pick', ['t', ['x']]);
    bridge.register('late', fakeEditor('late', () => 'x').channel, ['pick']);
    expect(await pending).toBe('x');

    const impatient = new EditorBridge(50, logger, publishedDiagnostics().store);
    await expect(impatient.call('p', 'pick', [])).rejects.toThrow(
      'no editor is connected: "pick" waited 50 ms for one',
    );
  });

  it('fails an undeclared method at once, an editor error with its message, a silent editor at the timeout', async () => {
    const { store, published } = publishedDiagnostics();
    const bridge = new EditorBridge(100, logger, store);
    let cancelled = 0;
    const registration = bridge.register(
      'nvim',
      {
        call: (params, abandoned) => {
          abandoned.addEventListener('abort', () => cancelled++);
          return params.method === 'openBuffer'
            ? Promise.reject(new Error('E37: No write since last change'))
            : new Promise(() => undefined);
        },
      },
      ['openBuffer', 'getCursorPosition'],
    );
    await expect(bridge.call('p', 'drawText', [])).rejects.toThrow(
      'the editor (nvim) does not implement "drawText"; it offers: getCursorPosition, openBuffer',
    );
    // The plugin has the error; the daemon a warning on the plugin, once per method.
    await expect(bridge.call('p', 'drawText', [])).rejects.toThrow('does not implement');
    expect(published.get('p')).toMatchObject([
      { severity: 'warning', code: 'RELOADD_EDITOR_CALL_MISSING' },
    ]);
    expect(published.get('p')?.[0]?.message).toContain('does not implement "drawText"');
    await expect(bridge.call('p', 'openBuffer', ['x'])).rejects.toThrow(
      'the editor (nvim) failed "openBuffer": E37: No write since last change',
    );
    await expect(bridge.call('p', 'getCursorPosition', [])).rejects.toThrow(
      'the editor (nvim) did not answer "getCursorPosition" within 100 ms',
    );
    // The editor is told to stop working on it ($/cancelRequest over the wire).
    expect(cancelled).toBe(1);
    registration.remove();
    expect(bridge.connected).toBe(0);
    // Another editor may have it: the warning goes with the one that lacked it.
    expect(published.get('p')).toEqual([]);
  });
});
