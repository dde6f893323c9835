import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEmacsScript } from '../../helpers/editors/emacs.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { FIXTURES } from '../../helpers/paths.js';

/** Line 3 of the broken file: its syntax error (the `;` after `+=`) comes after two emoji. */
const ERROR_LINE = "    const e = '😀😀'; state.greeted += ; // trailing words";
/** Where the error is in LSP's terms: UTF-16 code units from the line's start (39). */
const ERROR_CHARACTER = ERROR_LINE.indexOf('+= ;') + 3;
/** Where Emacs has it: characters from the line's start, each emoji one (37). */
const ERROR_EMACS_COLUMN = [...ERROR_LINE.slice(0, ERROR_CHARACTER)].length;

const counter = (value: string, ...lines: string[]) =>
  [
    'export function activate(ctx) {',
    ...lines,
    `  ctx.subscriptions.push(ctx.commands.register('counter.get', () => '${value}'));`,
    '}',
    '',
  ].join('\n');
const BROKEN = counter('broken', '  const state = { greeted: 0 };', ERROR_LINE);
const FIXED = counter('fixed');

interface Position {
  line: number;
  character: number;
}

/** What test/fixtures/emacs/*Client.el write (JSON null where Emacs had nothing). */
interface Seen {
  client: string;
  mode: string;
  connected: boolean;
  firstLoad?: boolean;
  /** The client's initialize request, as it wrote it. */
  initialize?: string;
  sent?: string[] | null;
  received?: { method?: string; params?: unknown; error?: { code: number; message: string } }[];
  /** The diagnostics as the client received them. */
  diagnostics?: { range: { start: Position; end: Position }; message: string }[] | null;
  /** What Flymake shows in the buffer: the highlighted region's start and text. */
  shown?: { line: number; column: number; text: string; message: string }[] | null;
  cleared?: boolean;
  stopped?: boolean;
  prompts?: { function: string; prompt: string }[] | null;
  messages?: string[] | null;
  warnings?: string[] | null;
  log?: string[] | null;
  sessionFile?: string;
  userEmacsDirectory: string;
  errors?: string[] | null;
}

async function runClient(script: string) {
  const workspace = await realpath(await tempDir('reloadd-emacs-'));
  const plugins = path.join(workspace, 'plugins');
  const file = path.join(plugins, 'counter.js');
  await editFile(file, counter('v1'));
  const run = await runEmacsScript<Seen>(path.join(FIXTURES, 'emacs', script), workspace, {
    RELOADD_PLUGINS: plugins,
    RELOADD_FILE: file,
    RELOADD_BROKEN: BROKEN,
    RELOADD_FIXED: FIXED,
  });
  const { results: seen, output } = run;
  // What the run saw, on any failure: the client's own words first.
  const context = [
    output,
    JSON.stringify({ ...seen, initialize: undefined, received: undefined }, null, 2),
    ...(seen.received ?? []).map((r) => JSON.stringify(r)),
  ].join('\n');
  // The script ran to its end, then exited Emacs itself, with nothing asked of the user.
  expect(seen.errors ?? [], context).toEqual([]);
  expect(seen.prompts ?? [], context).toEqual([]);
  expect(run.code, context).toBe(0);
  expect(seen.userEmacsDirectory.startsWith(workspace), context).toBe(true);
  expect(seen.mode).toBe('js-mode');
  expect(seen.connected, context).toBe(true);
  // The daemon's log reached the client as window/logMessage, though it declared no window.
  expect(seen.firstLoad, context).toBe(true);
  return { seen, context, workspace };
}

/**
 * Emacs' two LSP clients, each with its own defaults and the one line that names the server for
 * js-mode, in `emacs --batch`: a plugin's file saved with a syntax error after emoji, then fixed.
 */
describe('Emacs LSP clients (Emacs 28)', () => {
  it('eglot: the build error in the buffer at its UTF-16 character, cleared by the fix', async () => {
    const { seen, context } = await runClient('eglotClient.el');

    // eglot 1.9 declares no window capabilities and no position encodings (UTF-16 it is).
    const { capabilities } = JSON.parse(seen.initialize ?? '{}').params;
    expect(capabilities.window).toBeUndefined();
    expect(capabilities.general).toBeUndefined();
    // eglot's own didSave reloaded the plugin (the daemon polls once a minute).
    expect(seen.sent, context).toContain('textDocument/didSave');
    expect(seen.diagnostics, context).toMatchObject([
      {
        range: { start: { line: 2, character: ERROR_CHARACTER } },
        message: expect.stringMatching(/^counter: /),
      },
    ]);
    // Flymake highlights from the `;` (eglot counts LSP's characters in UTF-16).
    expect(seen.shown, context).toMatchObject([
      { line: 2, column: ERROR_EMACS_COLUMN, text: expect.stringMatching(/^;/) },
    ]);
    expect(seen.cleared, context).toBe(true);
    expect(seen.stopped, context).toBe(true);
    // window/showMessage, which LSP lets a server send any client, in the echo area; nothing
    // Emacs warns of (a window popping up).
    expect(seen.messages, context).toContainEqual(
      expect.stringContaining('reloadd: counter failed to reload: counter.js:3: '),
    );
    expect(seen.warnings ?? [], context).toEqual([]);
  }, 60_000);

  it('lsp-mode: connects, receives the build error at its UTF-16 character, cleared by the fix', async () => {
    const { seen, context, workspace } = await runClient('lspModeClient.el');
    // lsp-mode 8.0 declares window, with null for what it does not do (LSP would leave them
    // out), and no position encodings.
    const { capabilities } = JSON.parse(seen.initialize ?? '{}').params;
    expect(capabilities.window).toEqual({
      workDoneProgress: true,
      showMessage: null,
      showDocument: null,
    });
    expect(capabilities.general).toBeUndefined();

    expect(seen.sent, context).toContain('textDocument/didSave');
    // As received: lsp-mode's diagnostics table keeps the server's own objects.
    expect(seen.diagnostics, context).toMatchObject([
      {
        range: { start: { line: 2, character: ERROR_CHARACTER } },
        message: expect.stringMatching(/^counter: /),
      },
    ]);
    // lsp-mode 8.0 shows it on its line; its column counts Emacs characters, not UTF-16
    // (lsp--line-character-to-point moves by `forward-char'), so it is not asserted.
    expect(seen.shown, context).toMatchObject([{ line: 2 }]);
    expect(seen.cleared, context).toBe(true);
    expect(seen.stopped, context).toBe(true);
    expect(seen.sessionFile?.startsWith(workspace), context).toBe(true);
    // The failure in the echo area, the daemon's log in *lsp-log*, and no warning of a
    // notification lsp-mode does not know (reloadd's own go to clients that speak its protocol).
    expect(seen.messages, context).toContainEqual(
      expect.stringContaining('reloadd: counter failed to reload: counter.js:3: '),
    );
    expect(seen.log, context).toContainEqual(expect.stringContaining('[counter] reload failed'));
    // (Flymake's legacy backend warns that js-mode has no init function of its own.)
    expect(
      (seen.warnings ?? []).filter((w) => /lsp-mode|notification/i.test(w)),
      context,
    ).toEqual([]);
  }, 60_000);
});
