// The page's own code runs in Chromium (page.evaluate): it needs the DOM's types.
/// <reference lib="dom" />
import { copyFile, cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserTestsRun, launchBrowser, unreachable } from '../helpers/browser.js';
import { waitForOutput } from '../helpers/childOutput.js';
import { editFile, tempDir } from '../helpers/files.js';
import { fakeOpener, runCli, spawnCli } from '../helpers/network.js';
import { ROOT } from '../helpers/paths.js';
import { EVENT_WAIT_MS } from '../helpers/waits.js';

/**
 * The dashboard in a real Chromium, against a spawned daemon running the bundled examples: what
 * a plugin author sees and does, from opening the printed link to fixing a broken save.
 */
describe.runIf(browserTestsRun())('the dashboard in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let link: string;
  let workspace: string;
  let plugins: string;
  const row = (id: string) => page.locator(`tr[data-plugin="${id}"]`);
  const generation = async (id: string) => Number(await row(id).getAttribute('data-generation'));
  const counterFile = () => path.join(plugins, 'counter', 'index.ts');

  beforeAll(async () => {
    workspace = await tempDir();
    plugins = path.join(workspace, 'plugins');
    await cp(path.join(ROOT, 'examples', 'plugins'), plugins, { recursive: true });
    const daemon = spawnCli(['serve', '--plugins', plugins], { cwd: workspace });
    link = (await waitForOutput(daemon.child, /Dashboard: (\S+)/))[1] ?? '';
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    // A wait that fails names what it waited for, before the test's own limit ends it.
    page.setDefaultTimeout(EVENT_WAIT_MS);
    await page.goto(link);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens the printed link, takes the token out of the address bar, and shows the examples active', async () => {
    for (const id of ['counter', 'word-count'])
      await row(id).and(page.locator('[data-status="active"]')).waitFor();
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => location.hash)).toBe('');
    // The session outlives the fragment: a reload of the page is still let in, by its cookie.
    await page.reload();
    await row('counter').waitFor();
  });

  it('opens the link `reloadd dashboard --open` hands the opener: its one-time code lets one browser in, once', async () => {
    const opener = await fakeOpener();
    const run = await runCli(['dashboard', '--open'], { cwd: workspace, env: opener.env });
    expect(run.code).toBe(0);
    const [opened = ''] = await opener.opened();
    expect(opened).toMatch(/\/#code=[\w-]{43}$/);
    // Browsers of their own, with no cookie from the printed link's page.
    const first = await browser.newContext();
    const second = await browser.newContext();
    try {
      const tab = await first.newPage();
      await tab.goto(opened);
      await tab.locator('tr[data-plugin="counter"]').waitFor();
      expect(await tab.evaluate(() => location.hash)).toBe('');
      // Its session outlives the code: a reload is let in by the cookie.
      await tab.reload();
      await tab.locator('tr[data-plugin="counter"]').waitFor();
      // The code is used up: whoever else opens the link is not let in.
      const late = await second.newPage();
      await late.goto(opened);
      await late.getByRole('heading', { name: 'Not authorised' }).waitFor();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('reloads a plugin from its row: the generation goes up and the timeline shows its phases', async () => {
    const before = await generation('counter');
    await page.getByRole('button', { name: 'Reload counter' }).click();
    await page.locator(`tr[data-plugin="counter"][data-generation="${before + 1}"]`).waitFor();
    const newest = page.locator('li.reload').first();
    await expect.poll(() => newest.textContent()).toContain(`counter #${before + 1}`);
    expect(await newest.textContent()).toContain('requested by client');
    expect(await newest.locator('.waterfall .phase').count()).toBeGreaterThanOrEqual(4);
  });

  it('follows a save on disk without reloading the page: row, timeline and log', async () => {
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const before = await generation('counter');
    const source = await readFile(counterFile(), 'utf8');
    await editFile(counterFile(), source.replace("'ticks so far'", "'ticks, edited'"));
    await page.locator(`tr[data-plugin="counter"][data-generation="${before + 1}"]`).waitFor();
    const newest = page.locator('li.reload').first();
    await expect.poll(() => newest.textContent()).toContain('counter/index.ts');
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.locator('.log-lines li', { hasText: `reloaded generation ${before + 1}` }).waitFor();
    await page.locator('.log-lines li', { hasText: 'ticks, edited' }).first().waitFor();
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  });

  it('shows a broken save as a diagnostic with its line, and clears it once fixed', async () => {
    const good = await readFile(counterFile(), 'utf8');
    const line = good.split('\n').findIndex((l) => l.includes('const MESSAGE')) + 1;
    await editFile(counterFile(), good.replace("'ticks, edited';", "'ticks, edited' +;"));
    await page
      .getByRole('button', { name: /^Diagnostics/ })
      .first()
      .click();
    const diagnostic = page.locator('.diagnostic[data-code="RELOADD_BUILD_FAILED"]');
    await diagnostic.waitFor();
    expect(await diagnostic.textContent()).toContain(`counter/index.ts:${line}:`);
    expect(await diagnostic.locator('.code-frame').textContent()).toContain("'ticks, edited' +;");
    // The old generation runs on, and its row says the last reload failed, and why.
    expect(await row('counter').getAttribute('data-status')).toBe('active');
    const status = row('counter').locator('.status-cell');
    expect(await status.textContent()).toBe('active · last reload failed');
    const why = await status.locator('.last-failed').getAttribute('title');
    expect(why).toMatch(/^RELOADD_BUILD_FAILED: .* \(generation \d+ runs on\)$/);
    await editFile(counterFile(), good);
    await diagnostic.waitFor({ state: 'detached' });
    await row('counter').and(page.locator('[data-last-reload="ok"]')).waitFor();
    expect(await status.textContent()).toBe('active');
  });

  it('reaches every action at 1,400 px with "Diagnostics (1)" shown, and cuts nothing at 720 and 390 px', async () => {
    const good = await readFile(counterFile(), 'utf8');
    await editFile(counterFile(), good.replace("'ticks, edited';", "'ticks, edited' +;"));
    await page.getByRole('button', { name: 'Diagnostics (1)' }).waitFor();
    await row('counter').getByRole('button', { name: 'Timeline' }).click();
    try {
      for (const [width, height] of [
        [1400, 800],
        [1280, 800],
        [720, 900],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({
          path: path.join(ARTIFACTS, `dashboard-${width}.png`),
          fullPage: true,
        });
        expect(await unreachable(page, '.app'), `at ${width} px`).toEqual([]);
        for (const id of ['counter', 'word-count'])
          for (const name of [`Reload ${id}`, `Profile ${id}`, 'Disable', 'Diagnostics', 'State'])
            await row(id).getByRole('button', { name }).click({ trial: true });
        if (width === 1280 && process.env.RELOADD_DOCS_SCREENSHOT)
          await copyFile(
            path.join(ARTIFACTS, 'dashboard-1280.png'),
            path.join(ROOT, 'docs', 'dashboard.png'),
          );
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
      await editFile(counterFile(), good);
      await row('counter').and(page.locator('[data-last-reload="ok"]')).waitFor();
    }
  });

  it('shows the state as a tree, and the diff after a command', async () => {
    await row('counter').getByRole('button', { name: 'State' }).click();
    const tree = page.locator('.state-tree');
    await tree.locator('[data-pointer="/count"]').waitFor();
    expect(await tree.locator('[data-pointer="/startedAt"]').textContent()).toContain('Date');
    // Beside the state, what the plugin keeps in its storage (ctx.storage): loads counted so far.
    const storage = page.getByRole('region', { name: 'Storage' });
    expect(await storage.locator('[data-pointer="/loads"]').textContent()).toMatch(/loads: \d+/);
    await page.getByLabel('Command').fill('counter.increment');
    await page.getByLabel('Arguments (JSON array)').fill('[1000]');
    await page.getByRole('button', { name: 'Run' }).click();
    const change = page.locator('.state-diff .change', { hasText: '/count' });
    await change.waitFor();
    const [from, to] = ((await change.textContent()) ?? '').match(/\d+/g)?.map(Number) ?? [];
    expect((to ?? 0) - (from ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("lists the state's history, and restores a past snapshot with a reload", async () => {
    const history = page.getByRole('region', { name: 'Snapshot history' });
    await history.getByRole('button', { name: 'Restore' }).first().waitFor();
    const oldest = history.getByRole('button', { name: 'Show' }).last();
    await oldest.click();
    await page.getByRole('region', { name: 'Past snapshot' }).waitFor();
    const before = await generation('counter');
    await history.getByRole('button', { name: 'Restore' }).last().click();
    await page.locator(`tr[data-plugin="counter"][data-generation="${before + 1}"]`).waitFor();
    await page.getByRole('region', { name: 'Current state' }).waitFor();
  });

  it('can be used from the keyboard alone: Tab reaches every action, Enter runs it', async () => {
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('body').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      reached.add(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const plugin = el?.closest('tr')?.getAttribute('data-plugin');
          return `${plugin ? `${plugin}:` : ''}${el?.textContent?.trim().split(/\s|\(/)[0] ?? ''}`;
        }),
      );
    }
    for (const id of ['counter', 'word-count'])
      for (const action of ['Reload', 'Disable', 'Timeline', 'Diagnostics', 'State', 'Profile'])
        expect(reached).toContain(`${id}:${action}`);
    for (const control of ['Hot', 'Reload', 'Timeline', 'Logs', 'Daemon'])
      expect(reached).toContain(control);
    const before = await generation('word-count');
    await page.locator('body').focus();
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      if (label === 'Reload word-count') break;
    }
    await page.keyboard.press('Enter');
    await page.locator(`tr[data-plugin="word-count"][data-generation="${before + 1}"]`).waitFor();
  });

  it("profiles a plugin from its row's Profile button and saves a .cpuprofile", async () => {
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Profile counter' }).click();
    const download = await saved;
    expect(download.suggestedFilename()).toBe('counter.cpuprofile');
    const file = await download.path();
    const profile = JSON.parse(await readFile(file, 'utf8'));
    expect(profile).toMatchObject({ nodes: expect.any(Array), startTime: expect.any(Number) });
    await page.getByText('counter profiled for 2 s').waitFor();
  });

  it('saves screenshots, light and dark, at 1280×800', async () => {
    await page.getByRole('tab', { name: 'Timeline' }).click();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(20, 23, 28)');
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${scheme}.png`) });
    }
  });

  it('says plainly that a page without the token is not authorised, and how to get a link', async () => {
    const stranger = await browser.newPage();
    for (const url of [link.replace(/#.*/, ''), link.replace(/#token=.*/, '#token=wrong')]) {
      await stranger.goto(url);
      const alert = stranger.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Not authorised');
      expect(await alert.textContent()).toContain('reloadd dashboard');
    }
    await stranger.close();
  });
});
