import { describe, expect, it } from 'vitest';
import { screenMessage } from '../../../src/daemon/sessions/incomingMessages.js';
import { ErrorCodes, MAX_MESSAGE_DEPTH } from '../../../src/protocol/index.js';

const deep = (levels: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
};

describe('screenMessage', () => {
  it('passes requests, notifications and answers', () => {
    for (const message of [
      { jsonrpc: '2.0', id: 1, method: 'daemon/status' },
      { jsonrpc: '2.0', id: 'a', method: 'plugin/list', params: {} },
      { jsonrpc: '2.0', method: 'initialized' },
      { jsonrpc: '2.0', id: 7, result: { ok: true } },
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 3 } },
    ])
      expect(screenMessage(message)).toEqual({ verdict: 'pass', message });
  });

  it('refuses what is not a message (to its id when it has one), and ids that cannot be answered to', () => {
    for (const message of [[], 'x', null, { jsonrpc: '2.0' }, { jsonrpc: '2.0', method: 1 }])
      expect(screenMessage(message)).toMatchObject({ verdict: 'refuse', id: null });
    // What has an id that can be answered to is answered to it.
    expect(screenMessage({ id: 1 })).toMatchObject({ verdict: 'refuse', id: 1 });
    expect(
      screenMessage({ jsonrpc: '2.0', id: 'x', method: 'daemon/status', params: 'text' }),
    ).toMatchObject({ verdict: 'refuse', id: 'x' });
    for (const id of [null, true, {}, []])
      expect(screenMessage({ jsonrpc: '2.0', id, method: 'daemon/status' })).toMatchObject({
        verdict: 'refuse',
        code: ErrorCodes.InvalidRequest,
        id: null,
      });
  });

  it('drops a $/cancelRequest without a string or number id', () => {
    expect(screenMessage({ jsonrpc: '2.0', method: '$/cancelRequest' })).toMatchObject({
      verdict: 'drop',
    });
    for (const params of [null, {}, { id: null }, { id: {} }])
      expect(screenMessage({ jsonrpc: '2.0', method: '$/cancelRequest', params })).toMatchObject({
        verdict: 'drop',
      });
    // Sent as a request, it is one, and is answered (-32601).
    const asRequest = { jsonrpc: '2.0', id: 9, method: '$/cancelRequest', params: {} };
    expect(screenMessage(asRequest)).toEqual({ verdict: 'pass', message: asRequest });
  });

  it('refuses a request whose id is already in flight, to that id, and passes the same id once answered', () => {
    // Kept by their text: vscode-jsonrpc takes 7 and "7" for the same request.
    const inFlight = new Map<string, string>([
      ['7', 'plugin/executeCommand'],
      ['a', 'daemon/status'],
    ]);
    for (const id of [7, '7', 'a'])
      expect(screenMessage({ jsonrpc: '2.0', id, method: 'daemon/status' }, inFlight)).toEqual({
        verdict: 'refuse',
        code: ErrorCodes.InvalidRequest,
        id,
        reason: `a request with id ${JSON.stringify(id)} is already in flight on this connection: wait for its answer, or use another id`,
      });
    // Answers and notifications are not requests.
    for (const message of [
      { jsonrpc: '2.0', id: 8, method: 'daemon/status' },
      { jsonrpc: '2.0', id: 7, result: null },
      { jsonrpc: '2.0', method: 'initialized' },
    ])
      expect(screenMessage(message, inFlight)).toEqual({ verdict: 'pass', message });
  });

  it('drops a $/cancelRequest for an in-flight shutdown, and passes one for any other request', () => {
    const inFlight = new Map<string, string>([
      ['bye', 'shutdown'],
      ['7', 'shutdown'],
      ['3', 'plugin/reload'],
    ]);
    const cancel = (id: string | number) => ({
      jsonrpc: '2.0',
      method: '$/cancelRequest',
      params: { id },
    });
    for (const id of ['bye', 7, '7'])
      expect(screenMessage(cancel(id), inFlight)).toEqual({
        verdict: 'drop',
        reason:
          '$/cancelRequest for "shutdown", which is not cancellable: it is answered with its result',
      });
    for (const id of [3, 'gone'])
      expect(screenMessage(cancel(id), inFlight)).toEqual({ verdict: 'pass', message: cancel(id) });
  });

  it(`refuses a request nested deeper than ${MAX_MESSAGE_DEPTH} levels, with its own id`, () => {
    const within = { jsonrpc: '2.0', id: 1, method: 'x', params: [deep(MAX_MESSAGE_DEPTH - 1)] };
    expect(screenMessage(within).verdict).toBe('pass');
    const over = { jsonrpc: '2.0', id: 2, method: 'x', params: [deep(MAX_MESSAGE_DEPTH)] };
    expect(screenMessage(over)).toMatchObject({ verdict: 'refuse', id: 2 });
    expect(screenMessage({ jsonrpc: '2.0', method: 'x', params: deep(100_000) })).toMatchObject({
      verdict: 'drop',
    });
    expect(screenMessage({ jsonrpc: '2.0', id: 5, result: deep(1000) })).toMatchObject({
      verdict: 'replace',
      message: { id: 5, error: { code: ErrorCodes.InvalidRequest } },
    });
  });
});
