// unreachable() runs in the page (page.evaluate): it needs the DOM's types.
/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
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

/**
 * What of `selector`'s elements a person cannot read or reach on the page as laid out now: cut
 * inside their own box (an ellipsis, hidden overflow), clipped by a box around them, or off
 * the sides of the window; and a page that needs a sideways scroll. Empty when all is there.
 */
export function unreachable(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((within) => {
    const problems: string[] = [];
    const name = (el: Element) =>
      `<${el.tagName.toLowerCase()} class="${el.className}"> "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    for (const root of Array.from(document.querySelectorAll(within))) {
      for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        const scrolls = ['auto', 'scroll'].includes(style.overflowX);
        if (style.overflowX !== 'visible' && !scrolls && el.scrollWidth > el.clientWidth + 1)
          problems.push(`cut inside: ${name(el)}`);
        if (box.left < -1 || box.right > window.innerWidth + 1)
          problems.push(
            `off the window (${Math.round(box.left)}–${Math.round(box.right)}): ${name(el)}`,
          );
        for (let around = el.parentElement; around; around = around.parentElement) {
          if (getComputedStyle(around).overflowX === 'visible') continue;
          const outer = around.getBoundingClientRect();
          if (box.left < outer.left - 1 || box.right > outer.right + 1) {
            problems.push(`clipped by <${around.tagName.toLowerCase()}>: ${name(el)}`);
            break;
          }
        }
      }
    }
    const wide = document.documentElement.scrollWidth;
    if (wide > window.innerWidth) problems.push(`the page scrolls sideways: ${wide} px wide`);
    return problems;
  }, selector);
}
