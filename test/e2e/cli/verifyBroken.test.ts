import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { copyFixture, tempDir } from '../../helpers/files.js';
import { runCli } from '../../helpers/network.js';
import { ROOT } from '../../helpers/paths.js';

interface JUnitCase {
  '@_name': string;
  failure?: { '@_message': string; '#text': string };
  'system-out'?: string;
}
interface JUnitSuite {
  '@_name': string;
  '@_failures': string;
  testcase: JUnitCase[];
}

/**
 * `reloadd verify` on plugins that break its checks, the built CLI as CI runs it. A file of its
 * own: verify checks one plugin after another, and these wait out each unload check (25 s in all),
 * beside verify.test.ts rather than after it.
 */
describe('reloadd verify', () => {
  it('fails each broken plugin with its reason, in the text and in the JUnit file, and exits 1', async () => {
    const dir = await tempDir();
    for (const name of [
      'forgets-items',
      'forgets-key',
      'restore-throws',
      'process-listener',
      'function-state',
      'untracked-interval',
      'shared-emitter',
    ])
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
      // A loss at the first reload only, in a plugin with no commands.
      ['forgets-key', 'keeps its state', /state after reload 1 differs at state\.at \(removed\)$/m],
      ['function-state', 'state is plain data', /state\.format is a function/],
      ['process-listener', 'unloaded generations become garbage', /did not unload/],
      ['restore-throws', 'reloads', /RELOADD_RESTORE_STATE_FAILED: restoreState threw/],
      ['scripted', 'runs its commands', /command scripted\.echo failed: .*asked to fail with boom/],
      [
        'shared-emitter',
        'nothing runs after its state is taken',
        /generation 1 ran after its state was taken: a listener for "started" on an EventEmitter/,
      ],
      [
        'untracked-interval',
        'nothing runs after its state is taken',
        /generation 1 ran after its state was taken: an interval \(tick\) of node:timers/,
      ],
      [
        'versioned',
        'migrates state of the version before',
        /stateVersion 1 is dropped: the plugin exports no migrateState/,
      ],
    ];
    for (const [id, check, reason] of expected) {
      expect(run.stdout).toContain(`✗ ${id}`);
      expect(run.stdout).toMatch(new RegExp(`^    ${check}: .*${reason.source}`, 'm'));
    }
    // The interval it leaves is reloadd's own, cleared at unload: a warning, under a pass.
    expect(run.stdout).toContain('✓ leaky-timer');
    expect(run.stdout).toMatch(
      /^ {4}! leaves nothing registered: Plugin 'leaky-timer' did not fully unload: 1 interval/m,
    );
    expect(run.stdout).toContain(
      '1 of 10 plugins passed (2 reloads each), 1 with warnings (--strict fails them); 9 failed',
    );

    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(await readFile(junit, 'utf8')) as { testsuites: { testsuite: JUnitSuite[] } };
    const suites = parsed.testsuites.testsuite;
    expect(suites.map((s) => s['@_name'])).toEqual(
      [...expected.map(([id]) => id), 'leaky-timer'].sort(),
    );
    for (const [id, check, reason] of expected) {
      const suite = suites.find((s) => s['@_name'] === id);
      const failed = suite?.testcase.filter((c) => c.failure) ?? [];
      expect(failed.map((c) => c['@_name'])).toContain(check);
      expect(failed.find((c) => c['@_name'] === check)?.failure?.['#text']).toMatch(reason);
    }
    // A warning is a case that passed, with the warning as its output.
    const leaky = suites.find((s) => s['@_name'] === 'leaky-timer');
    expect(leaky?.['@_failures']).toBe('0');
    expect(leaky?.testcase.filter((c) => c.failure)).toEqual([]);
    expect(
      leaky?.testcase.find((c) => c['@_name'] === 'leaves nothing registered')?.['system-out'],
    ).toMatch(/^warning: Plugin 'leaky-timer' did not fully unload: 1 interval/);
  });
});
