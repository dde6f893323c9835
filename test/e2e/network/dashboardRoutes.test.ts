import { describe, expect, it } from 'vitest';
import {
  DashboardOpenCode,
  type LogEntry,
  LogEntryNotification,
  LogSubscribe,
} from '../../../src/protocol/index.js';
import { copyFixture, tempDir } from '../../helpers/files.js';
import {
  connectClient,
  fakeOpener,
  runCli,
  startStandalone,
  tryUpgrade,
} from '../../helpers/network.js';

/**
 * The dashboard's HTTP routes on a spawned daemon's port, over real loopback requests: the page
 * is public, the token is traded for a cookie at /session, and the WebSocket admits that cookie
 * from the daemon's own origin only. (The page itself, in Chromium: test/browser.)
 */
describe('the dashboard routes', async () => {
  const workspace = await tempDir();
  const plugins = await tempDir();
  await copyFixture('commands.js', plugins);
  const daemon = await startStandalone(workspace, plugins);
  const { port, token } = daemon.info;
  const base = `http://127.0.0.1:${port}`;
  const own = { origin: base };
  const bearer = { authorization: `Bearer ${token}` };
  const cookieName = `reloadd-session-${port}`;
  const openSession = async () => {
    const response = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { ...bearer, ...own },
    });
    expect(response.status).toBe(204);
    const cookie = response.headers.get('set-cookie') ?? '';
    return { cookie, value: cookie.split(';')[0] ?? '' };
  };

  it('prints one link with the token in its fragment, and logs it nowhere', async () => {
    await expect.poll(() => daemon.output()).toContain('Dashboard: ');
    const link = daemon.output().match(/Dashboard: (\S+)/)?.[1];
    expect(link).toBe(`${base}/#token=${token}`);
    const client = await connectClient(workspace);
    const entries: LogEntry[] = [];
    client.onNotification(LogEntryNotification, (e) => entries.push(e));
    const { replayed } = await client.request(LogSubscribe, { level: 'trace' });
    expect(replayed).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(token);
    expect(daemon.output().split(token).length).toBe(2); // the link's line, and only it
  });

  it('serves the page and its files to anyone, with a policy that allows nothing remote', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<div id="app">');
    const script = await fetch(`${base}/dashboard.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
    ]);
    expect((await fetch(`${base}/dashboard.css`)).status).toBe(200);
    expect((await fetch(`${base}/dashboard.js.map`)).status).toBe(200);
    const missing = await fetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('the dashboard is at /');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('trades the token for an HttpOnly, SameSite=Strict cookie named for the port', async () => {
    expect((await fetch(`${base}/session`, { method: 'POST' })).status).toBe(401);
    const wrong = { authorization: `Bearer ${'x'.repeat(43)}` };
    expect((await fetch(`${base}/session`, { method: 'POST', headers: wrong })).status).toBe(401);
    const { cookie, value } = await openSession();
    expect(cookie).toMatch(
      new RegExp(`^${cookieName}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    expect((await fetch(`${base}/session`, { headers: { cookie: value } })).status).toBe(204);
    expect((await fetch(`${base}/session`)).status).toBe(401);
  });

  it("admits the session's WebSocket from the daemon's own origin only", async () => {
    const { value } = await openSession();
    const url = `ws://127.0.0.1:${port}/rpc`;
    expect(await tryUpgrade(url, { cookie: value, ...own })).toBe('open');
    expect(await tryUpgrade(url, { cookie: value, origin: 'http://localhost:5173' })).toBe(403);
    expect(await tryUpgrade(url, { cookie: `${cookieName}=forged`, ...own })).toBe(401);
  });

  it('ends a session on DELETE /session', async () => {
    const { value } = await openSession();
    const ended = await fetch(`${base}/session`, { method: 'DELETE', headers: { cookie: value } });
    expect(ended.status).toBe(204);
    expect((await fetch(`${base}/session`, { headers: { cookie: value } })).status).toBe(401);
  });

  it('`reloadd dashboard --open` hands the opener a link with a one-time code, never the token', async () => {
    const opener = await fakeOpener();
    const run = await runCli(['dashboard', '--open'], { cwd: workspace, env: opener.env });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const args = await opener.opened();
    expect(args).toHaveLength(1);
    const link = new URL(args[0] ?? '');
    expect(args[0]).not.toContain(token);
    expect(`${link.origin}${link.pathname}`).toBe(`${base}/`);
    const code = new URLSearchParams(link.hash.slice(1)).get('code') ?? '';
    expect(code).toMatch(/^[\w-]{43}$/);
    // It opens no WebSocket, and no session but by POST.
    const presented = { authorization: `Code ${code}`, ...own };
    expect(await tryUpgrade(`ws://127.0.0.1:${port}/rpc`, presented)).toBe(401);
    expect((await fetch(`${base}/session`, { headers: presented })).status).toBe(401);
    // It opens one session, once.
    const first = await fetch(`${base}/session`, { method: 'POST', headers: presented });
    expect(first.status).toBe(204);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^${cookieName}=[\\w-]{43}$`));
    expect((await fetch(`${base}/session`, { headers: { cookie } })).status).toBe(204);
    const again = await fetch(`${base}/session`, { method: 'POST', headers: presented });
    expect(again.status).toBe(401);
    expect(await again.text()).toBe(
      'unknown one-time code: it opens one session, once, within a minute\n',
    );
  });

  it('gives a client a one-time code through dashboard/openCode', async () => {
    const client = await connectClient(workspace);
    const { code, expiresInMs } = await client.request(DashboardOpenCode, null);
    expect(expiresInMs).toBe(60_000);
    const presented = { authorization: `Code ${code}`, ...own };
    // From no other origin, as the token.
    const foreign = { authorization: `Code ${code}`, origin: 'http://localhost:5173' };
    expect((await fetch(`${base}/session`, { method: 'POST', headers: foreign })).status).toBe(403);
    expect((await fetch(`${base}/session`, { method: 'POST', headers: presented })).status).toBe(
      204,
    );
  });

  it('`reloadd dashboard` prints the same link, as JSON with --json, and exits 3 with no daemon', async () => {
    const text = await runCli(['dashboard'], { cwd: workspace });
    expect([text.code, text.stdout.trim()]).toEqual([0, `${base}/#token=${token}`]);
    const json = await runCli(['dashboard', '--json'], { cwd: workspace });
    expect(JSON.parse(json.stdout)).toEqual({ url: `${base}/#token=${token}` });
    const none = await runCli(['dashboard'], { cwd: await tempDir() });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no daemon is running');
  });
});
