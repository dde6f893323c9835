#!/usr/bin/env node
// Where a cold start's time goes, per thread: `node bench/cold-start-profile.mjs [PLUGINS]`
// (default 500) spawns the built daemon under `node --cpu-prof` on that many small plugins, waits
// until all are active (with 0, until `initialize` is answered), stops it, and prints each
// thread's busiest functions by self time (the
// daemon's main thread, then its plugin host). Not part of `npm run bench`: a profile is read by
// a person, not compared.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnStdioDaemon } from '../dist/clients/index.js';
import { CLI } from './benchDaemon.mjs';

const count = Number(process.argv[2] ?? 500);
const root = await mkdtemp(path.join(os.tmpdir(), 'reloadd-profile-'));
try {
  const plugins = path.join(root, 'plugins');
  await mkdir(plugins, { recursive: true });
  for (let i = 0; i < count; i++) {
    const dir = path.join(plugins, `p${i}`);
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'plugin.json'),
      JSON.stringify({ id: `p${i}`, version: '1.0.0', main: 'index.js' }),
    );
    await writeFile(
      path.join(dir, 'index.js'),
      `let s = { n: 0 };\nexport function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('p${i}.get', () => s)); }\nexport function saveState() { return s; }\nexport function restoreState(x) { s = x; }\n`,
    );
  }
  const profiles = path.join(root, 'profiles');
  const { client, child } = spawnStdioDaemon(process.execPath, [
    '--cpu-prof',
    `--cpu-prof-dir=${profiles}`,
    CLI,
    'serve',
    '--stdio',
    '--plugins',
    plugins,
    '--log-level',
    'warn',
  ]);
  let active = 0;
  const all = new Promise((resolve) => {
    // With no plugins (`0`), what an editor waits for: spawn → initialize answered.
    if (count === 0) resolve();
    client.onNotification({ method: 'plugin/didReload' }, () => {
      active += 1;
      if (active === count) resolve();
    });
  });
  await client.initialize('profile');
  await all;
  // An empty daemon is stopped as a person stops it: its start may still be under way.
  if (count === 0) child.kill('SIGTERM');
  else await client.shutdown();
  await new Promise((resolve) => child.once('exit', resolve));
  client.dispose();

  // One profile per thread; the main thread's is written first.
  for (const file of (await readdir(profiles)).sort()) {
    const profile = JSON.parse(await readFile(path.join(profiles, file), 'utf8'));
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    profile.samples.forEach((id, i) => {
      const { functionName, url, lineNumber } = nodes.get(id).callFrame;
      const where = url ? ` ${url.split('/').slice(-2).join('/')}:${lineNumber}` : '';
      const key = `${functionName || '(anonymous)'}${where}`;
      self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${file}: ${total.toFixed(0)} ms sampled`);
    for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
      console.log(`${ms.toFixed(1).padStart(9)} ms  ${key}`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
