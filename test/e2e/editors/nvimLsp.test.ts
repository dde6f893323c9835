import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNeovimScript } from '../../helpers/editors/neovim.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { FIXTURES } from '../../helpers/paths.js';

const SCRIPT = path.join(FIXTURES, 'nvim', 'builtinLsp.lua');
/** The plugin, its second line holding two emoji before the place a save breaks. */
const counter = (body: string) =>
  `export function activate(ctx) {\n  const e = '😀😀'; ctx.subscriptions.push(ctx.commands.register('counter.get', () => ${body}));\n}\n`;

interface Seen {
  prompts: { via: string; prompt: string }[];
  shown: { type: number; message: string }[];
  progress: { title: string; message?: string; percentage?: number; done: boolean }[];
  reloads: { id: string; ok: boolean; trigger: string }[];
  logged: number;
  answer?: string;
  diagnostics: {
    lnum: number;
    col: number;
    end_col: number;
    marked: string;
    severity: number;
    source: string;
    code: string;
    message: string;
  }[];
  cleared: boolean;
  errors: string[];
}

/**
 * Neovim 0.7's built-in LSP client as a user starts any language server (a command and a root,
 * its default capabilities and handlers, no reloadd Lua): it is shown the first load as
 * progress, a broken save as a message and a diagnostic at its column, and its own save
 * reloads the plugin. Nothing prompts.
 */
describe("Neovim's built-in LSP client (vim.lsp), as it comes", () => {
  it('shows progress, a failed save and its diagnostic at its column, with no prompt; its didSave reloads', async () => {
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
    expect(seen.prompts).toEqual([]);

    // The first load of two plugins, as vim.lsp keeps progress (vim.lsp.util.get_progress_messages).
    expect(seen.progress.at(-1)).toMatchObject({ title: 'Loading plugins', done: true });
    expect(seen.progress.map((p) => p.percentage)).toContain(100);

    // The broken save, told by vim.lsp's own didSave (the daemon polls once a minute): a
    // Warning, as the generation before it runs on.
    expect(seen.shown).toEqual([
      {
        type: 2,
        message: expect.stringMatching(
          /^reloadd: counter failed to reload: counter\.js:2: .*; generation 1 keeps running$/,
        ),
      },
    ]);
    // reloadd's own notifications go only to clients that speak its protocol.
    expect(seen.reloads).toEqual([]);
    expect(seen.answer).toBe('fixed');
    // textDocument/publishDiagnostics: vim.diagnostic has the error where esbuild saw it, the
    // `)` after `+`, past the emoji (Neovim counts bytes, and converts from UTF-16).
    const line = counter("'broken' +").split('\n')[1] as string;
    expect(seen.diagnostics).toEqual([
      {
        lnum: 1,
        col: Buffer.byteLength(line.slice(0, line.indexOf('+)') + 1)),
        end_col: Buffer.byteLength(line.slice(0, line.indexOf('+)') + 2)),
        marked: ')',
        severity: 1,
        source: 'reloadd',
        code: 'RELOADD_BUILD_FAILED',
        message: expect.stringMatching(/^counter: /),
      },
    ]);
    expect(seen.cleared).toBe(true);
    // window/logMessage: the two first loads, the failed save and the fixed one, at least.
    expect(seen.logged).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
