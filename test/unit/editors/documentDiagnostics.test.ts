import { describe, expect, it } from 'vitest';
import {
  changedDocuments,
  type ShownDocuments,
} from '../../../src/daemon/sessions/window/DocumentDiagnostics.js';
import type { Diagnostic } from '../../../src/protocol/index.js';

const at = (line: number) => ({
  start: { line, character: 2 },
  end: { line, character: 3 },
});
const error = (pluginId: string, file: string | undefined, line: number): Diagnostic => ({
  pluginId,
  severity: 'error',
  code: 'RELOADD_BUILD_FAILED',
  message: 'Unexpected ";"',
  ...(file ? { file, range: at(line) } : {}),
});

describe("a plugin's diagnostics as LSP's, per file", () => {
  it('publishes each file once with its whole list, and [] when it has none left', () => {
    const shown: ShownDocuments = new Map();
    expect(changedDocuments(shown, 'a', [error('a', '/p/a/index.js', 3)])).toEqual([
      {
        uri: 'file:///p/a/index.js',
        diagnostics: [
          {
            range: at(3),
            severity: 1,
            code: 'RELOADD_BUILD_FAILED',
            source: 'reloadd',
            message: 'a: Unexpected ";"',
          },
        ],
      },
    ]);
    // The same list again changes nothing; a fix clears the file.
    expect(changedDocuments(shown, 'a', [error('a', '/p/a/index.js', 3)])).toEqual([]);
    expect(changedDocuments(shown, 'a', [])).toEqual([
      { uri: 'file:///p/a/index.js', diagnostics: [] },
    ]);
  });

  it('keeps what another plugin has in a shared file, and leaves out what has no file', () => {
    const shown: ShownDocuments = new Map();
    changedDocuments(shown, 'a', [error('a', '/p/_shared/util.js', 1)]);
    const both = changedDocuments(shown, 'b', [
      error('b', '/p/_shared/util.js', 1),
      error('b', undefined, 0),
    ]);
    expect(both).toHaveLength(1);
    expect(both[0]?.diagnostics.map((d) => d.message.split(':')[0])).toEqual(['a', 'b']);
    // a is fixed: the file still has b's.
    const left = changedDocuments(shown, 'a', []);
    expect(left[0]?.diagnostics.map((d) => d.message.split(':')[0])).toEqual(['b']);
  });
});
