import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  LspMessageReader,
  MalformedMessage,
  UnreadableStream,
} from '../../../src/transport/index.js';

function reader(maxBytes?: number) {
  const stream = new PassThrough();
  const lsp = new LspMessageReader(stream, maxBytes);
  const messages: unknown[] = [];
  const errors: Error[] = [];
  let closed = false;
  lsp.listen((m) => messages.push(m));
  lsp.onError((e) => errors.push(e));
  lsp.onClose(() => {
    closed = true;
  });
  return { stream, messages, errors, closed: () => closed };
}

const frame = (body: string, newline = '\r\n') =>
  `Content-Length: ${Buffer.byteLength(body)}${newline}${newline}${body}`;

describe('LspMessageReader', () => {
  it('reads messages split anywhere, with CRLF or LF header lines, and other headers', () => {
    const r = reader();
    const all = `${frame('{"a":1}')}${frame('{"b":"é"}', '\n')}Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n${frame('{"c":3}')}`;
    for (const char of all) r.stream.write(char);
    expect(r.messages).toEqual([{ a: 1 }, { b: 'é' }, { c: 3 }]);
    expect(r.errors).toEqual([]);
  });

  it('reports a body that is not JSON and reads on', () => {
    const r = reader();
    r.stream.write(`${frame('{nope')}${frame('{"ok":true}')}`);
    expect(r.errors).toEqual([expect.any(MalformedMessage)]);
    expect(r.messages).toEqual([{ ok: true }]);
    expect(r.closed()).toBe(false);
  });

  for (const [what, bytes] of [
    ['a length over the limit', 'Content-Length: 2000\r\n\r\n'],
    ['a length that is not a whole number', 'Content-Length: 51.0\r\n\r\n'],
    ['no length', 'X-Other: 1\r\n\r\n'],
    ['a header that never ends', 'x'.repeat(9000)],
  ] as const) {
    it(`ends the stream on ${what}, and reads nothing after`, () => {
      const r = reader(1000);
      r.stream.write(bytes);
      r.stream.write(frame('{"late":true}'));
      expect(r.errors).toEqual([expect.any(UnreadableStream)]);
      expect(r.closed()).toBe(true);
      expect(r.messages).toEqual([]);
    });
  }
});
