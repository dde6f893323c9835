// DevTools' own code runs in Chromium (page.evaluate): it needs the DOM's types.
/// <reference lib="dom" />
import { cp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserTestsRun, launchBrowser } from '../helpers/browser.js';
import { waitForOutput } from '../helpers/childOutput.js';
import { editFile, tempDir } from '../helpers/files.js';
import { runCli, spawnCli } from '../helpers/network.js';
import { ROOT } from '../helpers/paths.js';
import { EVENT_WAIT_MS } from '../helpers/waits.js';

/** A free loopback port, for Chromium's own DevTools server (which serves DevTools' pages). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Chrome DevTools itself (the front end Chromium ships), on a daemon run with --inspect: the
 * steps docs/debugging.md gives, done as a person does them. DevTools opens the worker
 * host the link from `reloadd debug` names, shows the plugin's own TypeScript, pauses at a
 * breakpoint set by clicking its line, and pauses there again in the next generation after a save.
 */
describe.runIf(browserTestsRun())('Chrome DevTools on a plugin host', () => {
  let browser: Browser;
  let page: Page;
  let plugins: string;
  let workspace: string;
  const counterFile = () => path.join(plugins, 'counter', 'index.ts');

  beforeAll(async () => {
    workspace = await tempDir();
    plugins = path.join(workspace, 'plugins');
    await cp(path.join(ROOT, 'examples', 'plugins'), plugins, { recursive: true });
    const daemon = spawnCli(['serve', '--plugins', plugins, '--inspect=127.0.0.1:0'], {
      cwd: workspace,
    });
    await waitForOutput(daemon.child, /ready: 2 of 2 plugins active/);
    const port = await freePort();
    browser = await launchBrowser([`--remote-debugging-port=${port}`]);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(EVENT_WAIT_MS);
    const debug = JSON.parse(
      (await runCli(['debug', 'counter', '--json'], { cwd: workspace })).stdout,
    );
    // What `reloadd debug` prints, devtools:// → the same page as Chromium's DevTools server serves it.
    const frontend = String(debug.devtoolsUrl).replace(
      'devtools://devtools/bundled/',
      `http://127.0.0.1:${port}/devtools/`,
    );
    await page.goto(frontend);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the plugin in its own files, pauses at a clicked line, and again after a save', async () => {
    await page.getByText('Sources', { exact: true }).first().click();
    // Open index.ts as a person does (Ctrl+P), once DevTools has the host's scripts: two
    // entries then, the author's file (through the map) and generation 1's script. The dialog
    // lists what DevTools had when it opened, so it is opened again until the script is there;
    // each look waits longer than the last, for a machine too busy to fill it in a second.
    let look = 0;
    await expect
      .poll(async () => {
        look += 1;
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+P');
        await page.keyboard.type('index.ts');
        // Both entries: generation 1's script, and the author's file through its map, which
        // DevTools lists once it has read the map (Enter opens the first, the author's file).
        const timeout = Math.min(1000 * look, 10_000);
        return Promise.all([
          page.getByText('?generation=1').waitFor({ timeout }),
          page.locator('.filtered-list-widget-item').nth(1).waitFor({ timeout }),
        ]).then(
          () => true,
          () => false,
        );
      })
      .toBe(true);
    await page.keyboard.press('Enter');
    const source = await readFile(counterFile(), 'utf8');
    const line = source.split('\n').findIndex((l) => l.includes('state.count += 1;')) + 1;
    await page.getByText('(From index.ts?generation=1)').waitFor();
    await page
      .locator('.cm-lineNumbers .cm-gutterElement', { hasText: new RegExp(`^${line}$`) })
      .click();
    // The example's interval runs every 2 s: DevTools pauses in it, at that line of index.ts.
    await page.getByText('Paused on breakpoint').waitFor();
    expect(await page.locator('.call-frame-item').first().textContent()).toContain(
      `index.ts:${line}`,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'devtools-paused.png') });
    await page.keyboard.press('F8');
    await page.getByText('Paused on breakpoint').waitFor({ state: 'hidden' });

    // A save that keeps the line where it was: DevTools binds the breakpoint in generation 2.
    await editFile(counterFile(), source.replace("'ticks so far'", "'ticks, after a save'"));
    await page.getByText('(From index.ts?generation=2)').waitFor();
    await page.getByText('Paused on breakpoint').waitFor();
    expect(await page.locator('.call-frame-item').first().textContent()).toContain(
      `index.ts:${line}`,
    );
    expect(await page.getByText("'ticks, after a save'").count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'devtools-paused-again.png') });
    await page.keyboard.press('F8');
  });
});
