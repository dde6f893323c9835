import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ROOT } from './paths.js';

/** Debian's Chromium, or the one CHROMIUM_PATH names; playwright-core never downloads one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const HAS_BROWSER = existsSync(CHROMIUM_PATH);
/** Where browser tests leave their screenshots (CI keeps the folder as an artifact). */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/**
 * Whether to run the browser tests: always in CI (.ci/run installs Chromium, and a missing one
 * must fail there), and elsewhere only where Chromium is, saying plainly when it is not.
 */
export function browserTestsRun(): boolean {
  if (HAS_BROWSER || process.env.CI) return true;
  console.warn(
    `skipping the browser tests (test/browser): no Chromium at ${CHROMIUM_PATH}. ` +
      'Install it (apt-get install chromium) or set CHROMIUM_PATH; CI always runs them.',
  );
  return false;
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', ...extraArgs] });
}
