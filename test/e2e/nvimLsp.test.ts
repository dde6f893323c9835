import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, tempDir } from '../helpers/files.js';
import { runNeovimScript } from '../helpers/neovim.js';
import { FIXTURES } from '../helpers/paths.js';

const SCRIPT = path.join(FIXTURES, 'nvim', 'builtinLsp.lua');
const counter = (body: string) =>
  `export function activate(ctx) {\n  ctx.subscriptions.push(ctx.commands.register('counter.get', () => ${body}));\n}\n`;

interface Seen {
  asked: { type: number; message: string; actions: { title: string }[] }[];
  progress: { title: string; message?: string; percentage?: number; done: boolean }[];
  reloads: { id: string; ok: boolean; trigger: string }[];
  logged: number;
  answer?: string;
  diagnostics: { lnum: number; severity: number; source: string; code: string; message: string }[];
  cleared: boolean;
  errors: string[];
}

/**
 * Neovim's built-in LSP client, which knows nothing of reloadd: it is shown the first load as
 * progress and a broken save as a message with buttons, and its own save reloads the plugin.
 */
describe("Neovim's built-in LSP client (vim.lsp)", () => {
  it('shows progress, a failed save and its diagnostic in the buffer, and its didSave reloads', async () => {
    const workspace = await realpath(await tempDir('reloadd-vimlsp-'));
    const plugins = path.join(workspace, 'plugins');
    await editFile(path.join(plugins, 'counter.js'), counter("'v1'"));
    await editFile(path.join(plugins, 'other.js'), 'export function activate() {}\n');
    const {
      code,
      results: seen,
      output,
    } = await runNeovimScript<Seen>(SCRIPT, workspace, {
      RELOADD_PLUGINS: plugins,
      RELOADD_FILE: path.join(plugins, 'counter.js'),
      RELOADD_BROKEN: counter("'broken' +"),
      RELOADD_FIXED: counter("'fixed'"),
    });
    expect(seen.errors, output).toEqual([]);
    expect(code).toBe(0);

    // The first load of two plugins, as vim.lsp keeps progress (vim.lsp.util.get_progress_messages).
    expect(seen.progress.at(-1)).toMatchObject({ title: 'Loading plugins', done: true });
    expect(seen.progress.map((p) => p.percentage)).toContain(100);

    // The broken save, told by vim.lsp's own didSave (the daemon polls once a minute).
    expect(seen.asked[0]).toMatchObject({
      type: 1,
      message: expect.stringMatching(/^reloadd: counter failed to reload: counter\.js:2: /),
      actions: [
        { title: 'Reload again' },
        { title: 'Show diagnostics' },
        { title: 'Disable plugin' },
      ],
    });
    expect(seen.reloads.filter((r) => r.id === 'counter').map((r) => [r.trigger, r.ok])).toEqual([
      ['startup', true],
      ['file', false],
      ['request', false],
      ['file', true],
    ]);
    expect(seen.answer).toBe('fixed');
    // textDocument/publishDiagnostics: vim.diagnostic had the error at its line, then none.
    expect(seen.diagnostics).toEqual([
      {
        lnum: 1,
        severity: 1,
        source: 'reloadd',
        code: 'RELOADD_BUILD_FAILED',
        message: expect.stringMatching(/^counter: /),
      },
    ]);
    expect(seen.cleared).toBe(true);
    expect(seen.logged).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
