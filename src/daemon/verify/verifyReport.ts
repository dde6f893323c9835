import { XMLBuilder } from 'fast-xml-parser';
import type { PluginVerdict } from './verifyRun.js';

/** How `reloadd verify` tells what it found: lines for a person, JSON, and JUnit XML for CI. */

export function passed(verdict: PluginVerdict): boolean {
  return verdict.checks.every((c) => c.ok);
}

/**
 * A line per plugin, then a line per check that failed, with each reason:
 *
 *     ✗ leaky  (1204 ms)
 *         leaves nothing registered: generation 1 left 1 interval (tick) registered at unload…
 */
export function formatVerdicts(verdicts: PluginVerdict[], reloads: number): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    const ok = passed(v);
    lines.push(`${ok ? '✓' : '✗'} ${v.id}  (${v.durationMs} ms)`);
    for (const check of v.checks)
      for (const reason of check.reasons) lines.push(`    ${check.name}: ${reason}`);
  }
  const failed = verdicts.filter((v) => !passed(v)).length;
  lines.push(
    '',
    verdicts.length === 0
      ? 'no plugins to verify'
      : `${verdicts.length - failed} of ${verdicts.length} plugins passed (${reloads} reloads each)${failed > 0 ? `; ${failed} failed` : ''}`,
  );
  return lines.join('\n');
}

export function verdictsAsJson(verdicts: PluginVerdict[], reloads: number): unknown {
  return {
    reloads,
    passed: verdicts.every(passed),
    plugins: verdicts.map((v) => ({ ...v, passed: passed(v) })),
  };
}

/**
 * JUnit XML, as CI systems read it: a test suite per plugin, a test case per check, a
 * `<failure>` with the reasons for each check that failed.
 */
export function verdictsAsJUnit(verdicts: PluginVerdict[]): string {
  const failures = (v: PluginVerdict) => v.checks.filter((c) => !c.ok).length;
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'reloadd verify',
      '@_tests': verdicts.reduce((n, v) => n + v.checks.length, 0),
      '@_failures': verdicts.reduce((n, v) => n + failures(v), 0),
      testsuite: verdicts.map((v) => ({
        '@_name': v.id,
        '@_tests': v.checks.length,
        '@_failures': failures(v),
        '@_time': (v.durationMs / 1000).toFixed(3),
        testcase: v.checks.map((c) => ({
          '@_name': c.name,
          '@_classname': `reloadd.verify.${v.id}`,
          ...(c.ok
            ? {}
            : { failure: { '@_message': c.reasons[0] ?? c.name, '#text': c.reasons.join('\n') } }),
        })),
      })),
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  });
  return builder.build(document);
}
