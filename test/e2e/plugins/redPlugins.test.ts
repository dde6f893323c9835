import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redEvent } from '../../../src/protocol/index.js';
import { tempDir } from '../../helpers/files.js';
import { runCli } from '../../helpers/network.js';
import { FIXTURES } from '../../helpers/paths.js';

/**
 * The Red editor's own plugins and examples, as its authors wrote them (test/fixtures, byte for
 * byte at their commit), through the built `reloadd verify` against an editor stand-in that
 * answers as Red would (test/fixtures/redEditor.mjs): each loads, runs each of its commands and
 * the editor events it listens to, and reloads with its state.
 */

interface Verdict {
  id: string;
  passed: boolean;
  checks: { name: string; ok: boolean; reasons: string[]; warnings: string[] }[];
  ran: string[];
  editorCalls: { method: string; args: unknown[] }[];
}

const STAND_IN = path.join(FIXTURES, 'redEditor.mjs');

/** A release's plugins or examples, copied unchanged (Red's own tests of them left out). */
async function copyRelease(release: string, folder: 'plugins' | 'examples'): Promise<string> {
  const from = path.join(FIXTURES, release, folder);
  const dir = await tempDir();
  for (const entry of await readdir(from))
    if (!/\.test\.js$|\.md$/.test(entry))
      await cp(path.join(from, entry), path.join(dir, entry), { recursive: true });
  return dir;
}

async function verify(dir: string): Promise<{ code: number | null; plugins: Verdict[] }> {
  const run = await runCli(['verify', dir, '--editor', STAND_IN, '--reloads', '1', '--json'], {
    cwd: dir,
  });
  expect(run.stderr).toBe('');
  return { code: run.code, plugins: (JSON.parse(run.stdout) as { plugins: Verdict[] }).plugins };
}

/** What a plugin's source says it registers: its commands and the declared events it hears. */
async function declaredIn(file: string): Promise<{ commands: string[]; events: string[] }> {
  const code = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  const names = (pattern: RegExp) => [...code.matchAll(pattern)].map((m) => m[1] as string);
  return {
    commands: names(/addCommand\(\s*["']([^"']+)["']/g),
    events: names(/\bred\.on\(\s*["']([^"']+)["']/g).filter((event) => redEvent(event)),
  };
}

/**
 * Every check passed with nothing to say but those named: each of `failing` failed for the reason
 * given, each of `warned` passed with that warning. The plugin passed unless one failed.
 */
function expectChecks(
  verdict: Verdict,
  named: { failing?: Record<string, RegExp>; warned?: Record<string, RegExp> } = {},
): void {
  for (const check of verdict.checks) {
    const reason = named.failing?.[check.name];
    const warning = named.warned?.[check.name];
    const said = `${verdict.id}: ${check.name}: ${[...check.reasons, ...check.warnings].join('; ')}`;
    expect(check.ok, said).toBe(reason === undefined);
    expect(check.reasons.join('\n'), said).toMatch(reason ?? /^$/);
    expect(check.warnings.join('\n'), said).toMatch(warning ?? /^$/);
  }
  expect(verdict.passed, verdict.id).toBe(Object.keys(named.failing ?? {}).length === 0);
}

function called(verdict: Verdict | undefined): string[] {
  return [...new Set(verdict?.editorCalls.map((call) => call.method))];
}

describe("the Red editor's plugins, unchanged", () => {
  it('are the fetched files, byte for byte, at the commit their README names', async () => {
    for (const release of ['red-cbe586a', 'red-7c5eabc']) {
      const readme = await readFile(path.join(FIXTURES, `${release}.md`), 'utf8');
      const listed = [...readme.matchAll(/^100644 blob ([0-9a-f]{40})\t(.+)$/gm)];
      expect(listed.length, release).toBeGreaterThan(10);
      for (const [, blob, file] of listed) {
        const bytes = await readFile(path.join(FIXTURES, release, file as string));
        const id = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
        expect(id, `${release}/${file}`).toBe(blob);
      }
    }
  });

  it('of its last JavaScript release (cbe586a) each load, run and reload against a stand-in that answers as Red would', async () => {
    const dir = await copyRelease('red-cbe586a', 'plugins');
    const { code, plugins } = await verify(dir);
    // A warning is no failure: the run passes.
    expect(code).toBe(0);
    expect(plugins.map((p) => p.id)).toEqual([
      'barbecue',
      'buffer_picker',
      'cool_search',
      'fidget',
      'git',
      'indent_guides',
      'inlay_hints',
      'lsp_symbols',
      'neotree',
      'project_search',
      'session_restore',
      'test',
      'theme_browser',
      'unicode_demo',
    ]);
    for (const verdict of plugins) {
      // git leaves its refresh timer running when it is unloaded, as it does in Red: reloadd
      // clears it at unload, and names it as a warning.
      expectChecks(
        verdict,
        verdict.id === 'git'
          ? { warned: { 'leaves nothing registered': /did not fully unload: 1 timeout \(120ms\)/ } }
          : {},
      );
      const file = (await readdir(dir)).find((f) => f.startsWith(`${verdict.id}.`)) as string;
      const { commands, events } = await declaredIn(path.join(dir, file));
      for (const command of commands) expect(verdict.ran).toContain(`command ${command}`);
      for (const event of events) expect(verdict.ran).toContain(`event ${event}`);
    }
    const byId = new Map(plugins.map((p) => [p.id, p]));
    // What failed before the whole API was there, each now reaching the editor.
    expect(called(byId.get('barbecue'))).toContain('createWindowBar');
    expect(called(byId.get('git'))).toEqual(
      expect.arrayContaining(['resolveThemeStyle', 'spawnProcess', 'openWorkspace']),
    );
    expect(called(byId.get('indent_guides'))).toContain('getViewportLayout');
    expect(called(byId.get('inlay_hints'))).toEqual(
      expect.arrayContaining(['getViewportLayout', 'inlayHints']),
    );
    expect(called(byId.get('neotree'))).toEqual(
      expect.arrayContaining(['createPanel', 'listDirectory', 'getGitStatus']),
    );
    expect(called(byId.get('project_search'))).toContain('createPicker');
    expect(called(byId.get('lsp_symbols'))).toEqual(
      expect.arrayContaining(['documentSymbols', 'createPicker']),
    );
    // listThemes answers at once, from the themes the stand-in pushed: the picker shows them.
    const themes = byId.get('theme_browser')?.editorCalls.find((c) => c.method === 'pickLive');
    expect(themes?.args[2]).toEqual(['test-theme', 'dark', 'light']);
    expect(called(byId.get('theme_browser'))).toContain('setTheme');
  });

  it('of that release, its examples load, run and reload; the one that does not parse is named at its line', async () => {
    const dir = await copyRelease('red-cbe586a', 'examples');
    const { plugins } = await verify(dir);
    const byId = new Map(plugins.map((p) => [p.id, p]));
    expect([...byId.keys()]).toEqual([
      'buffer-picker',
      'example-plugin',
      'interval-demo',
      'logging-demo',
      'timer-test',
      'typescript-plugin',
    ]);
    for (const id of ['buffer-picker', 'example-plugin', 'logging-demo'])
      expectChecks(byId.get(id) as Verdict);
    // Demonstrations of timers that never clear them: reloadd clears each at unload, and names
    // it as a warning.
    expectChecks(byId.get('interval-demo') as Verdict, {
      warned: {
        'leaves nothing registered': /4 intervals \(500ms, 1000ms, 3000ms, 200ms\), 1 timeout/,
      },
    });
    expectChecks(byId.get('timer-test') as Verdict, {
      warned: { 'leaves nothing registered': /did not fully unload: \d+ timeouts/ },
    });
    expect(byId.get('buffer-picker')?.ran).toEqual(['command BufferPicker']);
    expect(called(byId.get('buffer-picker'))).toEqual(['getEditorInfo', 'pick', 'openBuffer']);
    // As Red commits it, line 77 has lost two quote characters: no TypeScript parser takes it.
    const broken = byId.get('typescript-plugin') as Verdict;
    expect(broken.checks).toEqual([
      {
        name: 'loads',
        ok: false,
        reasons: [expect.stringMatching(/^RELOADD_BUILD_FAILED: Expected ":" but found "' : '"/)],
        warnings: [],
      },
    ]);
    // Given those quotes back, it loads, runs its commands and listeners, and reloads.
    const fixed = await tempDir();
    const source = await readFile(path.join(dir, 'typescript-plugin.ts'), 'utf8');
    await writeFile(
      path.join(fixed, 'typescript-plugin.ts'),
      source.replace(`? ''' : '''`, `? '\u2018' : '\u2019'`),
    );
    const repaired = (await verify(fixed)).plugins[0] as Verdict;
    expectChecks(repaired);
    expect(repaired.ran).toEqual(
      expect.arrayContaining(['command ShowEditorStats', 'event buffer:changed']),
    );
  });

  it('of the release the hot-reload plan was written for (7c5eabc) still load, run and reload', async () => {
    const plugins = (await verify(await copyRelease('red-7c5eabc', 'plugins'))).plugins;
    expect(plugins.map((p) => p.id)).toEqual(['buffer_picker', 'fidget', 'test']);
    for (const verdict of plugins) expectChecks(verdict);
    expect(plugins.find((p) => p.id === 'fidget')?.ran).toContain('event lsp:progress');
    const examples = (await verify(await copyRelease('red-7c5eabc', 'examples'))).plugins;
    for (const id of ['buffer-picker', 'example-plugin', 'logging-demo'])
      expectChecks(examples.find((p) => p.id === id) as Verdict);
  });
});
