import { XMLBuilder } from 'fast-xml-parser';
import type { PluginVerdict } from './verifyRun.js';

/** How `reloadd verify` tells what it found: lines for a person, JSON, and JUnit XML for CI. */

export function passed(verdict: PluginVerdict): boolean {
  return verdict.checks.every((c) => c.ok);
}

function warned(verdict: PluginVerdict): boolean {
  return verdict.checks.some((c) => c.warnings.length > 0);
}

/**
 * A line per plugin, then a line per reason of each check that failed, and a `!` line per
 * warning (what reloadd set right itself; `--strict` fails it):
 *
 *     ✗ forgets  (1204 ms)
 *         keeps its state: state after reload 1 differs at state.at (removed)
 *     ✓ count  (1105 ms)
 *         ! leaves nothing registered: Plugin 'count' did not fully unload: 1 interval (5000ms)…
 */
export function formatVerdicts(
  verdicts: PluginVerdict[],
  options: { reloads: number; strict: boolean },
): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(`${passed(v) ? '✓' : '✗'} ${v.id}  (${v.durationMs} ms)`);
    for (const check of v.checks)
      for (const reason of check.reasons) lines.push(`    ${check.name}: ${reason}`);
    for (const check of v.checks)
      for (const warning of check.warnings) lines.push(`    ! ${check.name}: ${warning}`);
  }
  const failed = verdicts.filter((v) => !passed(v)).length;
  const withWarnings = verdicts.filter(warned).length;
  lines.push(
    '',
    verdicts.length === 0
      ? 'no plugins to verify'
      : [
          `${verdicts.length - failed} of ${verdicts.length} plugins passed (${options.reloads} reloads each${options.strict ? ', strict' : ''})`,
          ...(withWarnings > 0 ? [`, ${withWarnings} with warnings (--strict fails them)`] : []),
          ...(failed > 0 ? [`; ${failed} failed`] : []),
        ].join(''),
  );
  return lines.join('\n');
}

export function verdictsAsJson(
  verdicts: PluginVerdict[],
  options: { reloads: number; strict: boolean },
): unknown {
  return {
    reloads: options.reloads,
    strict: options.strict,
    passed: verdicts.every(passed),
    plugins: verdicts.map((v) => ({ ...v, passed: passed(v) })),
  };
}

/**
 * JUnit XML, as CI systems read it: a test suite per plugin, a test case per check, a
 * `<failure>` with the reasons for each check that failed. A warning is a check that passed, so
 * its test case passes, with the warning as its `<system-out>`, which test reports (Jenkins's,
 * GitLab's) show with the case; their counts stay those of the exit code. A `<skipped>` would
 * say the check never ran: those reports count skipped cases apart, as tests not run.
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
          ...(c.warnings.length > 0
            ? { 'system-out': c.warnings.map((w) => `warning: ${w}`).join('\n') }
            : {}),
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
