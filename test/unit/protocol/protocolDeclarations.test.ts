import { describe, expect, it } from 'vitest';
import {
  checkParams,
  checkResult,
  Direction,
  EditorCall,
  EditorEvent,
  Exit,
  Initialized,
  PluginList,
  PluginReload,
  requests,
  serverNotifications,
} from '../../../src/protocol/index.js';

describe('protocol declarations', () => {
  it('state who sends each message', () => {
    for (const def of requests) expect(def.direction, def.method).toBe(Direction.ClientToDaemon);
    for (const def of [Initialized, Exit, EditorEvent])
      expect(def.direction, def.method).toBe(Direction.ClientToDaemon);
    for (const def of serverNotifications)
      expect(def.direction, def.method).toBe(Direction.DaemonToClient);
    expect(EditorCall.direction).toBe(Direction.DaemonToEditor);
  });

  it('check params and results as the daemon does, for any client to use', () => {
    expect(checkResult(PluginList, { plugins: [] })).toEqual({ ok: true, value: { plugins: [] } });
    const bad = checkResult(PluginList, { plugins: 'none' });
    expect(bad).toMatchObject({ ok: false, problem: expect.stringContaining('plugins:') });
    expect(checkParams(PluginReload, { id: 'a' })).toMatchObject({ ok: true });
    expect(checkParams(PluginReload, { id: 'a', all: true })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('exactly one of'),
    });
  });
});
