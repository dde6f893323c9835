import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DaemonStatus,
  type Diagnostic,
  DiagnosticCodes,
  DidReload,
  PublishDiagnostics,
} from '../../../src/protocol/index.js';
import { editFile } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { greeterPlugin as greeter, greeterFolder, typeErrors } from '../../helpers/pluginSource.js';
import { typeChecksAtDaemonPriority } from '../../helpers/typeCheckPriority.js';

// The daemons run in this process: their type-check threads are this process's.
afterAll(typeChecksAtDaemonPriority(process.pid));

describe('type checks of TypeScript plugins', () => {
  it('shows a type error as a warning where it is, after the reload it never holds up, and clears it once fixed', async () => {
    const { dir, entry } = await greeterFolder('0');
    const d = await connectInMemory(dir, { expectPlugins: 1, typecheck: true });
    // Both kinds of notification in the order they came.
    const told: { reload?: { generation: number; ok: boolean }; typeErrors?: Diagnostic[] }[] = [];
    d.client.onNotification(DidReload, (r) => {
      if (r.id === 'greeter') told.push({ reload: r });
    });
    d.client.onNotification(PublishDiagnostics, (p) => {
      if (p.pluginId === 'greeter') told.push({ typeErrors: typeErrors(p.diagnostics) });
    });

    const broken = greeter("'zero'");
    await editFile(entry, broken);
    const published = await d.diagnostics.waitFor(
      (p) => p.pluginId === 'greeter' && typeErrors(p.diagnostics).length > 0,
      { what: 'the type error' },
    );
    const line = broken.split('\n').findIndex((l) => l.includes("greetings: 'zero'"));
    const character = (broken.split('\n')[line] ?? '').indexOf('greetings');
    // This one alone: `import type … from 'reloadd/plugin'` resolved, with nothing installed.
    expect(typeErrors(published.diagnostics)).toEqual([
      {
        pluginId: 'greeter',
        severity: 'warning',
        code: DiagnosticCodes.TypeError,
        message: "TS2322: Type 'string' is not assignable to type 'number'.",
        file: entry,
        range: {
          start: { line, character },
          end: { line, character: character + 'greetings'.length },
        },
        codeFrame: expect.stringContaining("greetings: 'zero'"),
      },
    ]);
    // The reload of the broken save was told first, and went ahead: a type error is no failure.
    const reloadAt = told.findIndex((t) => t.reload?.generation === 2);
    const errorAt = told.findIndex((t) => (t.typeErrors?.length ?? 0) > 0);
    expect(reloadAt).toBeGreaterThanOrEqual(0);
    expect(reloadAt).toBeLessThan(errorAt);
    expect(told[reloadAt]?.reload).toMatchObject({ ok: true });

    const mark = d.diagnostics.mark;
    await editFile(entry, greeter('1'));
    await d.diagnostics.waitFor(
      (p) => p.pluginId === 'greeter' && typeErrors(p.diagnostics).length === 0,
      { from: mark, what: 'the type error cleared' },
    );
    const fixedAt = told.findIndex((t) => t.reload?.generation === 3);
    expect(fixedAt).toBeGreaterThan(errorAt);
  });
});

describe("a plugin folder's own tsconfig.json", () => {
  it('is what its type check reads, instead of the defaults', async () => {
    const { dir, entry } = await greeterFolder('0');
    // The defaults leave unused locals alone; this folder's config does not.
    await editFile(
      path.join(dir, 'greeter', 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noUnusedLocals: true } }),
    );
    const d = await connectInMemory(dir, { expectPlugins: 1, typecheck: true });
    const source = greeter('0').replace('let state', 'const unused = 1;\nlet state');
    await editFile(entry, source);
    const published = await d.diagnostics.waitFor(
      (p) => p.pluginId === 'greeter' && typeErrors(p.diagnostics).length > 0,
      { what: 'the unused local' },
    );
    const line = source.split('\n').indexOf('const unused = 1;');
    expect(typeErrors(published.diagnostics)).toMatchObject([
      {
        message: "TS6133: 'unused' is declared but its value is never read.",
        file: entry,
        range: { start: { line, character: 6 } },
      },
    ]);
  });
});

describe('type checks where the TypeScript compiler cannot be loaded', () => {
  it('are off, say so once in the log and in daemon/status, and reloads go on', async () => {
    const { dir, entry } = await greeterFolder("'zero'");
    const d = await connectInMemory(dir, {
      expectPlugins: 1,
      typecheck: { compiler: 'typescript-that-is-not-installed' },
    });
    const said = await new Promise<string>((resolve) => {
      const subscription = d.logs.subscribe({ level: 'warn' }, (entry) => {
        if (!entry.message.startsWith('type checks are off')) return;
        resolve(entry.message);
        setImmediate(() => subscription.dispose());
      });
    });
    expect(said).toContain('the TypeScript compiler cannot be loaded');
    expect((await d.client.request(DaemonStatus, {})).typecheck).toBe('unavailable');
    const mark = d.reloads.mark;
    await editFile(entry, greeter("'one'"));
    expect(await d.reloads.waitFor((r) => r.id === 'greeter', { from: mark })).toMatchObject({
      ok: true,
      generation: 2,
    });
    expect(typeErrors(d.diagnostics.all.flatMap((p) => p.diagnostics))).toEqual([]);
  });
});

describe("the realm's globals", () => {
  it("are what a plugin's check knows of, in a project without Node's types", async () => {
    const { dir, entry } = await greeterFolder('0');
    const d = await connectInMemory(dir, { expectPlugins: 1, typecheck: true });
    // What the realm gives every plugin, and one real mistake beside it.
    const source = greeter("'zero'").replace(
      'export function activate(ctx: PluginContext): void {',
      `export function activate(ctx: PluginContext): void {
  const tick = setInterval(() => console.log('tick', performance.now()), 1000);
  ctx.subscriptions.push({ dispose: () => clearInterval(tick) });
  queueMicrotask(() => log(structuredClone({ at: 1 }).at));`,
    );
    await editFile(entry, source);
    const published = await d.diagnostics.waitFor(
      (p) => p.pluginId === 'greeter' && typeErrors(p.diagnostics).length > 0,
      { what: 'the type error' },
    );
    expect(typeErrors(published.diagnostics).map((x) => x.message)).toEqual([
      "TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });
});
