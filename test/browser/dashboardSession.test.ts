// The page's own code runs in Chromium (page.evaluate): it needs the DOM's types.
/// <reference lib="dom" />
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReloaddClient } from '../../src/clients/index.js';
import { PluginExecuteCommand, PluginReload } from '../../src/protocol/index.js';
import { ARTIFACTS, browserTestsRun, launchBrowser } from '../helpers/browser.js';
import { waitForOutput } from '../helpers/childOutput.js';
import { editFile, tempDir } from '../helpers/files.js';
import { startLinkProxy } from '../helpers/linkProxy.js';
import { connectClient, spawnCli } from '../helpers/network.js';
import { EVENT_WAIT_MS } from '../helpers/waits.js';

/**
 * A plugin that logs on demand and counts what it said in its state: `chatty.say` logs `n`
 * lines, `chatty.said` answers the count.
 */
const CHATTY = `
let state = { said: 0 };
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('chatty.say', (n = 1) => {
      for (let i = 1; i <= n; i++) ctx.log('said ' + (state.said + i) + ': line ' + i + ' of ' + n);
      state.said += n;
      return state.said;
    }),
    ctx.commands.register('chatty.said', () => state.said),
  );
}
export function saveState() { return state; }
export function restoreState(saved) { if (saved) state = saved; }
`;

/**
 * The dashboard over a daemon's life, in a real Chromium: a log that keeps moving, a history
 * that a busy plugin does not flood, and a daemon that goes away, comes back, or restarts.
 */
describe.runIf(browserTestsRun())("the dashboard over a daemon's life", () => {
  let browser: Browser;
  let page: Page;
  let workspace: string;
  let plugins: string;
  let daemon: ReturnType<typeof spawnCli>;
  let link: string;
  let client: ReloaddClient;
  const row = (on: Page) => on.locator('tr[data-plugin="chatty"]');
  const generation = async (on: Page) => Number(await row(on).getAttribute('data-generation'));
  const say = (n: number) =>
    client.request(PluginExecuteCommand, { command: 'chatty.say', args: [n] });

  beforeAll(async () => {
    workspace = await tempDir();
    plugins = path.join(workspace, 'plugins');
    await editFile(path.join(plugins, 'chatty.js'), CHATTY);
    daemon = spawnCli(['serve', '--plugins', plugins], { cwd: workspace });
    link = (await waitForOutput(daemon.child, /Dashboard: (\S+)/))[1] ?? '';
    client = await connectClient(workspace);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A wait that fails names what it waited for, before the test's own limit ends it.
    page.setDefaultTimeout(EVENT_WAIT_MS);
    await page.goto(link);
    await row(page).and(page.locator('[data-status="active"]')).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('follows the newest log line; scrolled up, it holds still and counts what came; "n new" goes back', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    const list = page.locator('.log-lines');
    await say(80);
    await list.locator('li', { hasText: 'said 80: line 80 of 80' }).waitFor();
    const atEnd = () =>
      list.evaluate((ol) => ol.scrollHeight - ol.clientHeight - ol.scrollTop <= 8);
    expect(await list.evaluate((ol) => ol.scrollHeight > ol.clientHeight * 2)).toBe(true);
    await expect.poll(atEnd).toBe(true);

    // The person scrolls up to read: what they read stays where it is while lines come.
    await list.hover();
    await page.mouse.wheel(0, -600);
    await page.locator('.log-lines[data-following="false"]').waitFor();
    const reading = await list.evaluate((ol) => ol.scrollTop);
    await say(5);
    const jump = page.getByRole('button', { name: '5 new' });
    await jump.waitFor();
    expect(await list.evaluate((ol) => ol.scrollTop)).toBe(reading);
    expect(await list.locator('li', { hasText: 'said 85:' }).count()).toBe(0);

    await jump.click();
    await list.locator('li', { hasText: 'said 85: line 5 of 5' }).waitFor();
    await page.locator('.log-lines[data-following="true"]').waitFor();
    await expect.poll(atEnd).toBe(true);
    await jump.waitFor({ state: 'detached' });
  });

  it('keeps the state before each reload in the history, however busy the plugin, and restores one', async () => {
    // Three reloads, each after a command; then 25 commands, each a snapshot of generation 4.
    const first = await generation(page);
    const before: number[] = [];
    for (let i = 0; i < 3; i++) {
      before.push(Number(await say(1)));
      await client.request(PluginReload, { id: 'chatty' });
    }
    for (let i = 0; i < 25; i++) await say(1);
    await page.locator(`tr[data-plugin="chatty"][data-generation="${first + 3}"]`).waitFor();

    await row(page).getByRole('button', { name: 'State' }).click();
    const history = page.getByRole('region', { name: 'Snapshot history' });
    for (const back of [1, 2, 3])
      await history
        .locator(`li[data-taken-by="reload"][data-generation="${first + 3 - back}"]`)
        .waitFor();
    expect(await history.locator('li.running').count()).toBeLessThanOrEqual(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-history.png'), fullPage: true });

    await history.getByRole('button', { name: `Restore generation ${first}` }).click();
    await page.locator(`tr[data-plugin="chatty"][data-generation="${first + 4}"]`).waitFor();
    expect(await client.request(PluginExecuteCommand, { command: 'chatty.said', args: [] })).toBe(
      before[0],
    );
  });

  it('says plainly when the daemon cannot be reached, marks what it shows stale, and comes back by itself with fresh state', async () => {
    const proxy = await startLinkProxy();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      proxy: { server: proxy.server },
    });
    const tab = await context.newPage();
    tab.setDefaultTimeout(EVENT_WAIT_MS);
    try {
      await tab.goto(link);
      await row(tab).and(tab.locator('[data-status="active"]')).waitFor();
      const seen = await generation(tab);

      proxy.cut();
      const alert = tab.getByRole('alert');
      await alert.filter({ hasText: 'The daemon is gone' }).waitFor();
      expect(await alert.textContent()).toContain('npx reloadd dashboard');
      expect(await alert.textContent()).toContain('reconnects by itself');
      await tab.locator('main[data-stale]').waitFor();
      // What it showed stays, marked, and nothing can be asked of a daemon it cannot reach.
      expect(await row(tab).count()).toBe(1);
      expect(await tab.getByRole('button', { name: 'Reload chatty' }).isDisabled()).toBe(true);
      await tab.screenshot({ path: path.join(ARTIFACTS, 'dashboard-gone.png') });

      // Meanwhile the daemon goes on.
      await client.request(PluginReload, { id: 'chatty' });
      expect(await generation(tab)).toBe(seen);

      proxy.restore();
      await tab.locator(`tr[data-plugin="chatty"][data-generation="${seen + 1}"]`).waitFor();
      await tab.locator('main:not([data-stale])').waitFor();
      expect(await tab.getByRole('alert').count()).toBe(0);
      expect(await tab.getByRole('button', { name: 'Reload chatty' }).isDisabled()).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('says that a daemon restarted on the same port has a new token, which only a new link opens', async () => {
    const port = new URL(link).port;
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'The daemon is gone' }).waitFor();

    const restarted = spawnCli(['serve', '--plugins', plugins, '--port', port], {
      cwd: workspace,
    });
    const newLink = (await waitForOutput(restarted.child, /Dashboard: (\S+)/))[1] ?? '';
    await alert.filter({ hasText: 'The daemon was restarted' }).waitFor();
    expect(await alert.textContent()).toContain('new token');
    expect(await alert.textContent()).toContain('npx reloadd dashboard');
    await page.locator('main[data-stale]').waitFor();
    expect(await row(page).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-restarted.png') });

    // Its new link, pasted into the same tab, opens a fresh page.
    await page.goto(newLink);
    await row(page).and(page.locator('[data-generation="1"]')).waitFor();
    await page.locator('main:not([data-stale])').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
