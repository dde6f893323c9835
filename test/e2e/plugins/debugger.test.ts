import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  generatedPositionFor,
  LEAST_UPPER_BOUND,
  originalPositionFor,
} from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import {
  DaemonSetDebugOptions,
  DaemonStatus,
  PluginExecuteCommand,
  PluginList,
} from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { CdpDebugger, inlineMap, type ParsedScript } from '../../helpers/inspectorClient.js';
import { runCli } from '../../helpers/network.js';

/** A TypeScript plugin; `greeting` is built on line 6 (1-based), where the breakpoint goes. */
const greeter = (prefix: string, extraLines = '') => `interface Greeting {
  text: string;
}
${extraLines}export function activate(ctx: { commands: { register(n: string, f: (name: string) => string): unknown } }) {
  ctx.commands.register('greeter.greet', (name: string) => {
    const greeting: Greeting = { text: \`${prefix} \${name}\` };
    return greeting.text;
  });
}
`;
const BREAK_AT = 'const greeting';

const manifest = JSON.stringify({ id: 'greeter', version: '1.0.0', main: 'index.ts' });

/** The generated line (from 0) of `file`'s line holding `marker`, in `script`, through its map. */
function generatedLine(script: ParsedScript, file: string, source: string, marker: string) {
  const line = source.split('\n').findIndex((l) => l.includes(marker)) + 1;
  const place = generatedPositionFor(inlineMap(script), {
    source: pathToFileURL(file).href,
    line,
    column: 0,
    // The first mapping at or after the line's start, as a debugger binds a line.
    bias: LEAST_UPPER_BOUND,
  });
  return (place.line ?? 0) - 1;
}

describe('debugging a plugin across reloads (--inspect)', () => {
  it('pauses at a TypeScript line, again in the new generation after a save, never in the old one', async () => {
    const plugins = await tempDir();
    const file = path.join(plugins, 'greeter', 'index.ts');
    await editFile(path.join(plugins, 'greeter', 'plugin.json'), manifest);
    await editFile(file, greeter('hello'));
    // Limits shorter than the pause below: a host held at a breakpoint is not stuck.
    const daemon = await startDaemon(plugins, {
      expectPlugins: 1,
      args: ['--inspect=127.0.0.1:0', '--command-timeout', '1000', '--lifecycle-timeout', '1000'],
    });
    const status = await daemon.client.request(DaemonStatus, {});
    expect(status.inspector).toMatchObject({ host: '127.0.0.1', breakOnError: false });
    expect(status.inspector?.devtoolsUrl).toMatch(/^devtools:\/\/devtools\/bundled\/js_app\.html/);
    const dbg = await CdpDebugger.attach(status.inspector?.url ?? '', 'reloadd plugin host shared');
    await dbg.send('Debugger.enable');

    // A debugger binds a source line in every script whose map has it, as it is parsed.
    const bound = new Map<string, number>();
    const bind = async (script: ParsedScript, source: string) => {
      const lineNumber = generatedLine(script, file, source, BREAK_AT);
      await dbg.send('Debugger.setBreakpointByUrl', { url: script.url, lineNumber });
      bound.set(script.scriptId, lineNumber);
    };
    const generationScript = (n: number) =>
      dbg.until(
        () => dbg.scripts.find((s) => s.url === `${pathToFileURL(file).href}?generation=${n}`),
        `generation ${n}'s script`,
      );
    const first = await generationScript(1);
    expect(first.sourceMapURL).toMatch(/^data:application\/json;charset=utf-8;base64,/);
    await bind(first, greeter('hello'));

    const greet = (name: string) =>
      daemon.client.request(PluginExecuteCommand, { command: 'greeter.greet', args: [name] });
    const pausedAt = async (count: number) => {
      const pause = await dbg.until(() => dbg.pauses[count - 1], `pause ${count}`);
      const top = pause.callFrames[0];
      const script = dbg.scripts.find((s) => s.scriptId === top?.location.scriptId);
      if (!top || !script) throw new Error('paused outside any known script');
      const original = originalPositionFor(inlineMap(script), {
        line: top.location.lineNumber + 1,
        column: top.location.columnNumber,
      });
      return { script, source: original.source, line: original.line };
    };

    const answer1 = greet('ada');
    const one = await pausedAt(1);
    expect(one).toMatchObject({ source: pathToFileURL(file).href, line: 6 });
    expect(one.script.url).toBe(first.url);
    // Held well past the 1 s limits (and the host's silence limit, 2 s): the watchdog
    // must see a paused host, not a stuck one.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await dbg.send('Debugger.resume');
    expect(await answer1).toBe('hello ada');

    // The save moves the line down by two: the new script is mapped anew.
    const edited = greeter('hi', 'export const version = 2;\nexport const edited = true;\n');
    await editFile(file, edited);
    await daemon.reloads.waitFor((r) => r.id === 'greeter' && r.generation === 2 && r.ok);
    const second = await generationScript(2);
    await bind(second, edited);
    expect(bound.get(second.scriptId)).not.toBe(bound.get(first.scriptId));

    const answer2 = greet('bob');
    const two = await pausedAt(2);
    expect(two).toMatchObject({ source: pathToFileURL(file).href, line: 8 });
    // A save written in two steps may evaluate generation 2 twice (the first is superseded and
    // never activated): both scripts have its URL, and the breakpoint binds by URL.
    expect(two.script.url).toBe(second.url);
    await dbg.send('Debugger.resume');
    expect(await answer2).toBe('hi bob');
    // The old generation's breakpoint is still set: it never pauses again.
    for (const name of ['cy', 'di']) {
      const next = dbg.pauses.length + 1;
      const answer = greet(name);
      await pausedAt(next);
      await dbg.send('Debugger.resume');
      await answer;
    }
    const urlOf = (scriptId: string | undefined) =>
      dbg.scripts.find((s) => s.scriptId === scriptId)?.url;
    expect(dbg.pauses.map((p) => urlOf(p.callFrames[0]?.location.scriptId))).toEqual([
      first.url,
      second.url,
      second.url,
      second.url,
    ]);
    const [listed] = (await daemon.client.request(PluginList, {})).plugins;
    expect(listed).toMatchObject({ id: 'greeter', status: 'active', generation: 2 });
    // Its own share of each load, first and latest (VS Code's Running Extensions view).
    expect(listed?.activation).toMatchObject({
      first: { generation: 1, trigger: 'startup', moduleLoadMs: expect.any(Number) },
      last: { generation: 2, trigger: 'file', activateMs: expect.any(Number) },
    });
    expect(daemon.diagnostics.all.flatMap((d) => d.diagnostics.map((x) => x.code))).not.toContain(
      'RELOADD_HOST_CRASHED',
    );
    dbg.close();
    await daemon.stop();
  });

  it('pauses where plugin code throws with break-on-error, and says so in daemon/status', async () => {
    const plugins = await tempDir();
    await editFile(
      path.join(plugins, 'thrower.js'),
      `exports.activate = (ctx) => {
  ctx.commands.register('thrower.fail', () => { throw new Error('on purpose'); });
};`,
    );
    const daemon = await startDaemon(plugins, {
      expectPlugins: 1,
      args: ['--inspect=127.0.0.1:0'],
    });
    const status = await daemon.client.request(DaemonStatus, {});
    const dbg = await CdpDebugger.attach(status.inspector?.url ?? '', 'reloadd plugin host shared');
    await dbg.send('Debugger.enable');
    expect(await daemon.client.request(DaemonSetDebugOptions, { breakOnError: true })).toEqual({
      breakOnError: true,
    });
    const failing = daemon.client
      .request(PluginExecuteCommand, { command: 'thrower.fail' })
      .catch((error: Error) => error);
    // The first pause where the plugin threw: the daemon let every other throw go on.
    const urlOf = (p: (typeof dbg.pauses)[number]) =>
      dbg.scripts.find((s) => s.scriptId === p.callFrames[0]?.location.scriptId)?.url ?? '';
    const pause = await dbg.until(
      () => dbg.pauses.find((p) => p.reason === 'exception' && urlOf(p).includes('thrower')),
      'the pause on the throw',
    );
    expect(urlOf(pause)).toBe(
      `${pathToFileURL(path.join(plugins, 'thrower.js')).href}?generation=1`,
    );
    // Still paused there for the author: the plugin's own frame can be looked into.
    const resumesBefore = dbg.resumes;
    const looked = await dbg.send('Debugger.evaluateOnCallFrame', {
      callFrameId: pause.callFrames[0]?.callFrameId,
      expression: '6 * 7',
    });
    expect(looked).toMatchObject({ result: { value: 42 } });
    expect(dbg.resumes).toBe(resumesBefore);
    await dbg.send('Debugger.resume');
    // Resumed, the failure is reported as it always is.
    expect(String(await failing)).toContain('on purpose');
    expect((await daemon.client.request(DaemonStatus, {})).inspector?.breakOnError).toBe(true);
    dbg.close();
    await daemon.stop();
  });

  it('says what to paste with reloadd debug, and that a daemon without --inspect cannot be debugged', async () => {
    const workspace = await tempDir();
    const plugins = await tempDir();
    await editFile(path.join(plugins, 'greeter', 'plugin.json'), manifest);
    await editFile(path.join(plugins, 'greeter', 'index.ts'), greeter('hello'));
    const daemon = await startDaemon(plugins, {
      expectPlugins: 1,
      workspace,
      args: ['--inspect=127.0.0.1:0'],
    });
    const status = await daemon.client.request(DaemonStatus, {});
    const port = Number(new URL(status.inspector?.url ?? '').port);
    const json = await runCli(['debug', 'greeter', '--json'], { cwd: workspace });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      host: 'shared',
      inspector: status.inspector?.url,
      launch: { type: 'node', request: 'attach', address: '127.0.0.1', port },
    });
    // Chrome DevTools opens no worker threads: each worker host is a target of its own.
    const [shared] = status.inspector?.workerHosts ?? [];
    expect(shared).toMatchObject({ name: 'shared', plugins: ['greeter'] });
    const listed = await (
      await fetch(`http://${status.inspector?.targetsAddress}/json/list`)
    ).json();
    expect(listed).toEqual([
      expect.objectContaining({
        id: 'shared',
        type: 'node',
        title: 'reloadd plugin host shared (greeter)',
        webSocketDebuggerUrl: shared?.url,
      }),
    ]);
    expect(JSON.parse(json.stdout).devtoolsUrl).toBe(shared?.devtoolsUrl);
    const direct = await CdpDebugger.connect(shared?.url ?? '');
    await direct.send('Debugger.enable');
    await direct.until(
      () => direct.scripts.find((s) => s.url.endsWith('greeter/index.ts?generation=1')),
      "greeter's script, through the host's own target",
    );
    direct.close();
    // A web page can reach loopback's ports, but not this: a name it rebound to 127.0.0.1 is
    // refused, and a host's socket is at a path of this run's own.
    const targets = status.inspector?.targetsAddress ?? '';
    const [, targetsPort] = targets.split(':');
    const rebound = await rawHttp(Number(targetsPort), 'GET /json/list HTTP/1.1', 'evil.example');
    expect(rebound).toMatch(/^HTTP\/1\.1 403 /);
    const guessed = await rawHttp(
      Number(targetsPort),
      'GET /host/shared HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      targets,
    );
    expect(guessed).toMatch(/^HTTP\/1\.1 404 /);
    expect(new URL(shared?.url ?? '').pathname).toMatch(/^\/[0-9a-f-]{36}\/host\/shared$/);
    const text = await runCli(['debug', 'greeter'], { cwd: workspace });
    expect(text.stdout).toContain(shared?.devtoolsUrl ?? '?');
    expect(text.stdout).toContain('"request": "attach"');
    expect((await runCli(['debug', 'nobody'], { cwd: workspace })).code).toBe(1);
    await daemon.stop();

    const plain = await startDaemon(plugins, { expectPlugins: 1, workspace });
    const refused = await runCli(['debug', 'greeter', '--json'], { cwd: workspace });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'RELOADD_NOT_DEBUGGING' });
    expect(
      await plain.client
        .request(DaemonSetDebugOptions, { breakOnError: true })
        .catch((error: { data?: unknown }) => error.data),
    ).toEqual({ code: 'RELOADD_NOT_DEBUGGING' });
    await plain.stop();
  });

  it('reaches a process host through its own inspector, and its pause is not a stall either', async () => {
    const plugins = await tempDir();
    await editFile(
      path.join(plugins, 'apart', 'plugin.json'),
      JSON.stringify({ id: 'apart', version: '1.0.0', main: 'index.js', isolation: 'process' }),
    );
    await editFile(
      path.join(plugins, 'apart', 'index.js'),
      `exports.activate = (ctx) => {
  ctx.commands.register('apart.ask', () => { debugger; return 'answered'; });
};`,
    );
    const daemon = await startDaemon(plugins, {
      expectPlugins: 1,
      args: ['--inspect=127.0.0.1:0', '--command-timeout', '1000', '--lifecycle-timeout', '1000'],
    });
    const status = await daemon.client.request(DaemonStatus, {});
    const [host] = status.inspector?.processHosts ?? [];
    expect(host).toMatchObject({ name: 'process:apart', plugins: ['apart'] });
    expect(host?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    const dbg = await CdpDebugger.connect(host?.url ?? '');
    await dbg.send('Debugger.enable');
    const answer = daemon.client.request(PluginExecuteCommand, { command: 'apart.ask' });
    const pause = await dbg.until(() => dbg.pauses[0], 'the pause at the debugger statement');
    expect(pause.reason).toBe('other');
    // Held past the limits and the host's silence limit (2 s): not stuck, only paused.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await dbg.send('Debugger.resume');
    expect(await answer).toBe('answered');
    const [listed] = (await daemon.client.request(PluginList, {})).plugins;
    expect(listed).toMatchObject({ id: 'apart', status: 'active', generation: 1 });
    dbg.close();
    // Through the daemon's DevTools endpoint, its realm is a default context: DevTools does not
    // take the plugin's script for an extension's and skip its source map.
    const relayed = await CdpDebugger.connect(
      `ws://${new URL(host?.devtoolsUrl ?? '').searchParams.get('ws')}`,
    );
    await relayed.send('Debugger.enable');
    const script = await relayed.until(
      () => relayed.scripts.find((s) => s.url.endsWith('apart/index.js?generation=1')),
      "apart's script, relayed",
    );
    expect(script.executionContextAuxData?.isDefault).toBe(true);
    relayed.close();
    await daemon.stop();
  });
});

/** One raw HTTP request on loopback, with this `Host`; the start of the answer. */
function rawHttp(port: number, requestLine: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(`${requestLine}\r\nHost: ${host}\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}
