import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { FIXTURES } from '../../helpers/paths.js';
import { jsonLines, lspPeer, rawStdioDaemon, rawWebSocket } from '../../helpers/rawDaemon.js';

/**
 * The daemon as LSP clients nobody here wrote meet it: whatever shape their `initialize` takes,
 * the columns they count, the messages they show without being asked, and the order of what
 * they are sent. What each real client sends is in test/fixtures/lspClients; the editors
 * themselves are driven in nvimLsp.test.ts and emacs.test.ts.
 */

/** The `initialize` params of real LSP clients, as each sends them (README.md there says how). */
const CLIENTS = path.join(FIXTURES, 'lspClients');

/** A plugin whose third line holds two emoji before the place a save breaks. */
const GREETER = `let state = { greeted: 0 };
export function activate(ctx) {
    const e = '😀😀'; state.greeted += 1; // trailing words
  ctx.subscriptions.push(ctx.commands.register('greeter.count', () => state.greeted + e.length));
}
`;
const BROKEN_GREETER = GREETER.replace('state.greeted += 1;', 'state.greeted += ;');
/** Where the `;` after `+=` is on that line, as each encoding counts. */
const COLUMN = { 'utf-8': 43, 'utf-16': 39, 'utf-32': 37 } as const;

/** A plugin whose activate calls what is not defined, on its third line. */
const THROWER = `export function activate() {
  const x = 1;
  notDefined(x); // the call that throws
}
`;

/** Neovim 0.7's built-in client, as far as reloadd reads it: no positionEncodings, buttons. */
const EDITOR_CAPABILITIES = {
  window: {
    workDoneProgress: true,
    showMessage: { messageActionItem: { additionalPropertiesSupport: false } },
    showDocument: { support: false },
  },
  textDocument: { publishDiagnostics: { relatedInformation: true } },
};

type Peer = ReturnType<typeof lspPeer>;

describe('an LSP client the daemon did not write', () => {
  let workspace: string;
  let plugins: string;
  let daemon: Awaited<ReturnType<typeof rawStdioDaemon>>;
  let editor: Peer;
  const greeter = () => path.join(plugins, 'greeter.js');
  const uriOf = (file: string) => pathToFileURL(file).href;

  /** A WebSocket client that has sent `initialize` with `params` (and `initialized`, unless not). */
  async function joined(params: Record<string, unknown>, options: { initialized?: boolean } = {}) {
    const socket = await rawWebSocket(workspace);
    const peer = lspPeer(socket);
    const answer = await peer.request('initialize', params);
    if (options.initialized !== false) peer.notify('initialized');
    return { peer, answer, socket };
  }

  beforeAll(async () => {
    workspace = await realpath(await tempDir('reloadd-lsp-'));
    plugins = path.join(workspace, 'plugins');
    await editFile(greeter(), GREETER);
    await editFile(path.join(plugins, 'thrower.js'), THROWER);
    // No --log-level: what an editor's stderr gets by default.
    daemon = await rawStdioDaemon(plugins, workspace);
    editor = lspPeer(daemon);
    const answer = await editor.request('initialize', {
      processId: null,
      clientInfo: { name: 'Neovim', version: '0.7.2' },
      rootUri: uriOf(workspace),
      capabilities: EDITOR_CAPABILITIES,
    });
    expect(answer).toHaveProperty('result.capabilities.positionEncoding', 'utf-16');
    editor.notify('initialized');
    await editor.waitFor('window/logMessage', (m) =>
      String(m.message).startsWith('[greeter] loaded generation 1'),
    );
    await editor.waitFor('textDocument/publishDiagnostics', (d) =>
      String(d.uri).endsWith('thrower.js'),
    );
  });
  afterAll(async () => {
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('takes initialize as lsp-mode sends it, null at every capability it leaves unset', async () => {
    const { answer } = await joined({
      processId: 4242,
      rootPath: workspace,
      clientInfo: { name: 'emacs', version: 'GNU Emacs 28.2' },
      capabilities: {
        workspace: null,
        general: null,
        textDocument: { publishDiagnostics: { relatedInformation: true }, hover: null },
        window: { workDoneProgress: true, showMessage: null, showDocument: null },
        experimental: {},
      },
      initializationOptions: null,
      workDoneToken: '1',
    });
    expect(answer).toMatchObject({
      result: { capabilities: { positionEncoding: 'utf-16', hotReload: true } },
    });
  });

  it('still refuses what it reads when it is not what LSP says, naming the key', async () => {
    const { answer } = await joined({ capabilities: { window: { workDoneProgress: 'yes' } } });
    expect(answer).toMatchObject({
      error: {
        code: -32602,
        message: expect.stringContaining('capabilities.window.workDoneProgress'),
      },
    });
  });

  it('puts a build error at its UTF-16 column on a line with emoji, never with buttons', async () => {
    const shownFrom = editor.received('window/showMessage').length;
    await editFile(greeter(), BROKEN_GREETER);
    const published = await editor.waitFor(
      'textDocument/publishDiagnostics',
      (d) => d.uri === uriOf(greeter()) && (d.diagnostics as unknown[]).length > 0,
    );
    expect(published.diagnostics).toEqual([
      {
        range: {
          start: { line: 2, character: COLUMN['utf-16'] },
          end: { line: 2, character: COLUMN['utf-16'] + 1 },
        },
        severity: 1,
        code: 'RELOADD_BUILD_FAILED',
        source: 'reloadd',
        message: 'greeter: Unexpected ";"',
      },
    ]);
    // A plain message, a Warning as generation 1 runs on; no prompt for a client that did not
    // ask for one, though it declared window.showMessage.
    const shown = await editor.waitFor('window/showMessage', (m) =>
      String(m.message).includes('greeter'),
    );
    expect(shown).toEqual({
      type: 2,
      message:
        'reloadd: greeter failed to reload: greeter.js:3: Unexpected ";"; generation 1 keeps running',
    });
    await editor.request('plugin/list');
    expect(editor.received('window/showMessage').slice(shownFrom)).toEqual([shown]);
    expect(editor.asked.filter((r) => r.method === 'window/showMessageRequest')).toEqual([]);
  });

  it('counts columns as the client chose from what it offered', async () => {
    const cases: [unknown, keyof typeof COLUMN][] = [
      [['utf-8', 'utf-16'], 'utf-8'],
      [['utf-32'], 'utf-32'],
      [['latin-1', 'utf-16', 'utf-8'], 'utf-16'],
      [[], 'utf-16'],
    ];
    for (const [offered, chosen] of cases) {
      const { peer, answer } = await joined({
        capabilities: {
          general: { positionEncodings: offered },
          textDocument: { publishDiagnostics: {} },
        },
      });
      expect(answer, String(offered)).toHaveProperty(
        'result.capabilities.positionEncoding',
        chosen,
      );
      // The error that stands is sent as the client joins, in its encoding.
      const standing = await peer.waitFor(
        'textDocument/publishDiagnostics',
        (d) => d.uri === uriOf(greeter()),
      );
      expect(
        (standing.diagnostics as { range: unknown }[])[0]?.range,
        `${chosen} for ${String(offered)}`,
      ).toEqual({
        start: { line: 2, character: COLUMN[chosen] },
        end: { line: 2, character: COLUMN[chosen] + 1 },
      });
    }
  });

  it('takes initialize as each real client sends it, and serves it in its encoding', async () => {
    // What each chooses from the encodings it offers (none offered: UTF-16).
    const expected: Record<string, keyof typeof COLUMN> = {
      'eglot-1.9-emacs-28.2.json': 'utf-16',
      'helix-25.07.1.json': 'utf-8',
      'lsp-mode-8.0.0-emacs-28.2.json': 'utf-16',
      'neovim-0.11.0.json': 'utf-8',
      'neovim-0.7.2.json': 'utf-16',
      'sublime-lsp-2.13.0.json': 'utf-16',
      'vim-lsp-vim-9.0.json': 'utf-16',
      'vscode-languageclient-10.1.0.json': 'utf-16',
      'zed-0.191.0.json': 'utf-16',
    };
    const fixtures = (await readdir(CLIENTS)).filter((f) => f.endsWith('.json')).sort();
    expect(fixtures).toEqual(Object.keys(expected).sort());
    // The greeter's broken save above stands: each client is sent it as it joins.
    const clients: { fixture: string; peer: Peer; showsProgress: boolean }[] = [];
    for (const fixture of fixtures) {
      const params = JSON.parse(await readFile(path.join(CLIENTS, fixture), 'utf8'));
      const encoding = expected[fixture] as keyof typeof COLUMN;
      const { peer, answer } = await joined(params);
      expect(answer, fixture).toHaveProperty('result.capabilities.positionEncoding', encoding);
      const standing = await peer.waitFor(
        'textDocument/publishDiagnostics',
        (d) => d.uri === uriOf(greeter()),
      );
      expect((standing.diagnostics as { range: unknown }[])[0]?.range, fixture).toEqual({
        start: { line: 2, character: COLUMN[encoding] },
        end: { line: 2, character: COLUMN[encoding] + 1 },
      });
      const showsProgress = params.capabilities?.window?.workDoneProgress === true;
      clients.push({ fixture, peer, showsProgress });
    }
    // Work on several plugins: shown as progress to those that declared they show it, and only
    // to them; nobody is asked anything else.
    expect(await editor.request('plugin/reload', { all: true })).toHaveProperty('result.results');
    for (const { fixture, peer, showsProgress } of clients) {
      await peer.request('plugin/list');
      expect(
        peer.asked.map((r) => r.method),
        fixture,
      ).toEqual(showsProgress ? ['window/workDoneProgress/create'] : []);
      if (showsProgress)
        await peer.waitFor('$/progress', (p) => (p.value as { kind: string }).kind === 'end');
    }
    expect(clients.filter((c) => c.showsProgress).length).toBeGreaterThan(3);
  });

  it('covers the expression that threw: never an empty range', async () => {
    const thrower = path.join(plugins, 'thrower.js');
    const published = editor
      .received('textDocument/publishDiagnostics')
      .find((d) => (d as { uri: string }).uri === uriOf(thrower)) as {
      diagnostics: { range: unknown; message: string }[];
    };
    const line = THROWER.split('\n')[2] as string;
    expect(published.diagnostics[0]).toMatchObject({
      message: 'thrower: activate threw ReferenceError: notDefined is not defined',
      range: {
        start: { line: 2, character: line.indexOf('notDefined') },
        end: { line: 2, character: line.indexOf('x);') + 2 },
      },
    });
  });

  it("sends reloadd's own notifications only to a client that speaks its protocol", async () => {
    const plain = (await joined({ capabilities: {} })).peer;
    const speaking = (await joined({ protocolVersion: PROTOCOL_VERSION, capabilities: {} })).peer;
    await editFile(greeter(), `${BROKEN_GREETER}// again\n`);
    for (const peer of [plain, speaking])
      await peer.waitFor('window/logMessage', (m) =>
        String(m.message).startsWith('[greeter] reload failed'),
      );
    await plain.request('plugin/list');
    await speaking.request('plugin/list');
    const own = (peer: Peer) =>
      peer.inbox.all
        .map((m) => String(m.method ?? ''))
        .filter((method) => /^(plugin|log)\//.test(method));
    expect(own(plain)).toEqual([]);
    expect(own(speaking)).toEqual(
      expect.arrayContaining(['plugin/didReload', 'plugin/publishDiagnostics']),
    );
  });

  it('shows and logs reloads to a client that declared no window capability', async () => {
    const { peer } = await joined({ capabilities: {} });
    await editFile(greeter(), GREETER);
    await peer.waitFor('window/logMessage', (m) =>
      /^\[greeter\] reloaded generation 2 in /.test(String(m.message)),
    );
    await editFile(greeter(), BROKEN_GREETER);
    expect(
      await peer.waitFor('window/showMessage', (m) => String(m.message).includes('greeter')),
    ).toMatchObject({ type: 2 });
    expect(
      await peer.waitFor('window/logMessage', (m) =>
        String(m.message).startsWith('[greeter] reload failed'),
      ),
    ).toMatchObject({ type: 2 });
    expect(peer.asked).toEqual([]);
  });

  it('asks with buttons only a client that opted in, and runs the one clicked', async () => {
    const socket = await rawWebSocket(workspace);
    const peer = lspPeer(socket, (request) =>
      request.method === 'window/showMessageRequest' ? { title: 'Reload again' } : null,
    );
    await peer.request('initialize', {
      capabilities: EDITOR_CAPABILITIES,
      initializationOptions: { messageActions: true },
    });
    peer.notify('initialized');
    await editFile(greeter(), `${BROKEN_GREETER}\n`);
    const asked = await peer.inbox.waitFor(
      (m) =>
        m.method === 'window/showMessageRequest' &&
        String((m.params as { message: string }).message).includes('greeter'),
    );
    expect(asked.params).toMatchObject({
      type: 2,
      actions: [
        { title: 'Reload again' },
        { title: 'Show diagnostics' },
        { title: 'Disable plugin' },
      ],
    });
    // The button clicked: a reload the client asked for (which fails again, the file as it is).
    await peer.waitFor('window/logMessage', (m) =>
      String(m.message).startsWith('[greeter] reload failed (request)'),
    );
  });

  it("holds a WebSocket client's notifications until its initialized", async () => {
    const { peer } = await joined(
      { protocolVersion: PROTOCOL_VERSION, capabilities: {} },
      { initialized: false },
    );
    const before = editor.received('window/logMessage').length;
    await editFile(greeter(), GREETER);
    await editor.waitFor(
      'window/logMessage',
      (m) =>
        /^\[greeter\] reloaded generation/.test(String(m.message)) &&
        editor.received('window/logMessage').length > before,
    );
    // Answered, but shown nothing yet.
    expect(await peer.request('plugin/list')).toHaveProperty('result.plugins');
    expect(peer.inbox.all.filter((m) => 'method' in m)).toEqual([]);
    peer.notify('initialized');
    await peer.waitFor('plugin/didReload', (r) => r.id === 'greeter' && r.ok === true);
  });

  it('keeps stderr for problems, takes what LSP clients always send in silence, and names what it ignores', async () => {
    const uri = uriOf(greeter());
    editor.notify('textDocument/didOpen', {
      textDocument: { uri, languageId: 'javascript', version: 1, text: GREETER },
    });
    editor.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: GREETER }],
    });
    editor.notify('workspace/didChangeConfiguration', { settings: null });
    editor.notify('textDocument/didClose', { textDocument: { uri } });
    editor.notify('reloadd/noSuchThing', {});
    const ignored = await daemon.stderrLine(
      (l) => l.method === 'reloadd/noSuchThing',
      'the unknown notification',
    );
    expect(ignored.msg).toBe('ignored an unknown notification "reloadd/noSuchThing"');
    // Loads, reloads, a failed save, clients joining: nothing below a warning.
    const lines = jsonLines(daemon.stderr());
    expect(lines.filter((l) => (l.level as number) < 40)).toEqual([]);
    expect(lines.filter((l) => String(l.msg).includes('textDocument/did'))).toEqual([]);
    expect(lines.filter((l) => String(l.msg).includes('didChangeConfiguration'))).toEqual([]);
  });
});

describe('before the editor has sent initialized', () => {
  /** A daemon on one plugin, under an editor that has sent nothing yet. */
  async function waiting() {
    const workspace = await realpath(await tempDir('reloadd-handshake-'));
    const plugins = path.join(workspace, 'plugins');
    const file = path.join(plugins, 'counter.js');
    const version = (v: string) =>
      `export function activate(ctx) {\n  ctx.subscriptions.push(ctx.commands.register('counter.get', () => '${v}'));\n}\n`;
    await editFile(file, version('v1'));
    const daemon = await rawStdioDaemon(plugins, workspace, { args: ['--log-level', 'debug'] });
    // The folder is watched from the start (prepare): a change is seen, then kept for later.
    await daemon.stderrLine((l) => l.msg === 'plugins folder read and watched', 'the folder read');
    return { daemon, file, version, peer: lspPeer(daemon) };
  }

  /** Resolves with whichever the daemon does first with the nth change: keep it, or load. */
  const heldOrLoaded = (daemon: Awaited<ReturnType<typeof rawStdioDaemon>>, nth: number) => {
    const held = (l: Record<string, unknown>) => String(l.msg).startsWith('changes before');
    return daemon.stderrLine(
      (l) =>
        /generation \d+ in/.test(String(l.msg)) ||
        (held(l) && jsonLines(daemon.stderr()).filter(held).length >= nth),
      `change number ${nth}, held or loaded`,
    );
  };

  it('builds, loads and sends nothing, and loads what changed in the handshake after it', async () => {
    const { daemon, file, version, peer } = await waiting();
    await editFile(file, version('v2'));
    expect(String((await heldOrLoaded(daemon, 1)).msg)).toMatch(/^changes before/);

    expect(
      await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {} }),
    ).toHaveProperty('result');
    await editFile(file, version('v3'));
    expect(String((await heldOrLoaded(daemon, 2)).msg)).toMatch(/^changes before/);
    expect(peer.inbox.all).toEqual([]);

    peer.notify('initialized');
    const loaded = await peer.waitFor('plugin/didReload', (r) => r.id === 'counter');
    expect(loaded).toMatchObject({ ok: true, generation: 1, trigger: 'startup' });
    expect(await peer.request('plugin/executeCommand', { command: 'counter.get' })).toHaveProperty(
      'result',
      'v3',
    );
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('loads nothing after a refused initialize', async () => {
    const { daemon, file, version, peer } = await waiting();
    expect(await peer.request('initialize', { protocolVersion: '9.0' })).toHaveProperty(
      'error.code',
      -32600,
    );
    peer.notify('initialized');
    await editFile(file, version('v2'));
    expect(String((await heldOrLoaded(daemon, 1)).msg)).toMatch(/^changes before/);
    peer.notify('exit');
    expect(await daemon.exited).toBe(1);
    expect(
      jsonLines(daemon.stderr()).filter((l) => /generation \d+ in/.test(String(l.msg))),
    ).toEqual([]);
    expect(peer.inbox.all.filter((m) => 'method' in m)).toEqual([]);
  });
});
