import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { copyFixture, tempDir } from '../helpers/files.js';
import { runCli } from '../helpers/network.js';
import { ROOT } from '../helpers/paths.js';

interface JUnitCase {
  '@_name': string;
  failure?: { '@_message': string; '#text': string };
}
interface JUnitSuite {
  '@_name': string;
  '@_failures': string;
  testcase: JUnitCase[];
}

/** `reloadd verify`, the built CLI on real plugin folders: what CI runs. */
describe('reloadd verify', () => {
  it('passes the bundled examples and the Red editor example plugin, and exits 0', async () => {
    const dir = await tempDir();
    await cp(path.join(ROOT, 'examples', 'plugins'), dir, { recursive: true });
    await copyFixture('seed000/example-plugin.js', dir, 'example-plugin.js');
    const run = await runCli(['verify', dir, '--reloads', '3', '--json'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      passed: boolean;
      plugins: { id: string; passed: boolean; checks: { name: string; ok: boolean }[] }[];
    };
    expect(report.plugins.map((p) => [p.id, p.passed])).toEqual([
      ['counter', true],
      ['example-plugin', true],
      ['word-count', true],
    ]);
    expect(report.plugins[0]?.checks.map((c) => c.name)).toContain('keeps its state');
  });

  it('fails each broken plugin with its reason, in the text and in the JUnit file, and exits 1', async () => {
    const dir = await tempDir();
    for (const name of ['forgets-items', 'restore-throws', 'process-listener', 'function-state'])
      await copyFixture(`verify/${name}.js`, dir, `${name}.js`);
    for (const name of ['versioned', 'scripted']) await copyFixture(`verify/${name}`, dir, name);
    await cp(path.join(ROOT, 'examples', 'leaky-plugins'), dir, { recursive: true });
    const junit = path.join(dir, 'report.xml');
    const run = await runCli(
      ['verify', dir, '--reloads', '2', '--reporter', 'junit', '--output', junit],
      { cwd: dir },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const expected: [string, string, RegExp][] = [
      ['forgets-items', 'keeps its state', /state after reload 1 differs at state\.items\[3\]/],
      ['function-state', 'state is plain data', /state\.format is a function/],
      ['leaky-timer', 'leaves nothing registered', /did not fully unload: 1 interval/],
      ['process-listener', 'unloaded generations become garbage', /did not unload/],
      ['restore-throws', 'reloads', /RELOADD_RESTORE_STATE_FAILED: restoreState threw/],
      ['scripted', 'runs its commands', /command scripted\.echo failed: .*asked to fail with boom/],
      [
        'versioned',
        'migrates state of the version before',
        /stateVersion 1 is dropped: the plugin exports no migrateState/,
      ],
    ];
    for (const [id, check, reason] of expected) {
      expect(run.stdout).toContain(`✗ ${id}`);
      expect(run.stdout).toMatch(new RegExp(`${check}: .*${reason.source}`));
    }
    expect(run.stdout).toContain('0 of 7 plugins passed (2 reloads each); 7 failed');

    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(await readFile(junit, 'utf8')) as { testsuites: { testsuite: JUnitSuite[] } };
    const suites = parsed.testsuites.testsuite;
    expect(suites.map((s) => s['@_name'])).toEqual(expected.map(([id]) => id));
    for (const [id, check, reason] of expected) {
      const suite = suites.find((s) => s['@_name'] === id);
      const failed = suite?.testcase.filter((c) => c.failure) ?? [];
      expect(failed.map((c) => c['@_name'])).toContain(check);
      expect(failed.find((c) => c['@_name'] === check)?.failure?.['#text']).toMatch(reason);
    }
  });

  it('says what is wrong with its arguments, and exits 2', async () => {
    const dir = await tempDir();
    for (const args of [
      ['verify', dir, '--reloads', 'many'],
      ['verify', dir, '--reporter', 'junit'],
      ['verify'],
      ['verify', path.join(dir, 'nowhere')],
    ]) {
      const run = await runCli(args, { cwd: dir });
      expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(/^reloadd: /)]);
    }
  });
});
