import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.js';
import {
  cycles,
  type ImportEdge,
  importGraph,
  reachable,
} from '../../helpers/repository/importGraph.js';

/**
 * The import rules ARCHITECTURE.md states, checked on the source as TypeScript parses it:
 * `import type` counts as an import (a reader follows it too), except where a rule is about what
 * loads at run time.
 */

const SRC = path.join(ROOT, 'src');
const DAEMON = path.join(SRC, 'daemon');
const WORKER = path.join(DAEMON, 'worker');
const CROSSING = path.join(DAEMON, 'crossing');
const PROTOCOL = path.join(SRC, 'protocol');
const CLIENTS = path.join(SRC, 'clients');

const graph = importGraph(SRC);
const src = (file: string) => path.relative(SRC, file);
const inside = (dir: string, file: string) => file.startsWith(dir + path.sep);
const describeEdge = (e: ImportEdge) =>
  `${src(e.from)} → ${e.relative ? src(e.to) : e.to}${e.typeOnly ? ' (type)' : ''}`;
const edgesFrom = (dir: string) => graph.filter((e) => inside(dir, e.from));

describe('import rules', () => {
  it('src/protocol imports only zod and itself, so a client can depend on it alone', () => {
    const bad = edgesFrom(PROTOCOL).filter((e) =>
      e.relative ? !inside(PROTOCOL, e.to) : e.to !== 'zod',
    );
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it('src/transport imports only Node, vscode-jsonrpc, ws and the protocol: daemon and clients share it', () => {
    const TRANSPORT = path.join(SRC, 'transport');
    const bad = edgesFrom(TRANSPORT).filter((e) =>
      e.relative
        ? !inside(TRANSPORT, e.to) && !inside(PROTOCOL, e.to)
        : !/^(node:|vscode-jsonrpc$|ws$)/.test(e.to),
    );
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it('code that runs inside a plugin host imports only itself, what crosses the thread, and the protocol', () => {
    const allowedPackages = /^(node:|@jridgewell\/trace-mapping$|@babel\/code-frame$)/;
    const bad = [...edgesFrom(WORKER), ...edgesFrom(CROSSING)].filter((e) =>
      e.relative
        ? !inside(WORKER, e.to) && !inside(CROSSING, e.to) && !inside(PROTOCOL, e.to)
        : !allowedPackages.test(e.to),
    );
    expect(bad.map(describeEdge)).toEqual([]);
    // What crosses the thread is shared: it must not lean on either side of it.
    const leaning = edgesFrom(CROSSING).filter((e) => e.relative && inside(WORKER, e.to));
    expect(leaning.map(describeEdge)).toEqual([]);
  });

  it('the plugin host loads no zod and no transport: it starts in every worker', () => {
    const { files, packages } = reachable(path.join(WORKER, 'hostWorker.ts'), {
      runtimeOnly: true,
    });
    expect(files.size).toBeGreaterThan(5); // the walk did follow the host's imports
    expect(
      [...packages].filter((p) => /^zod$|vscode-jsonrpc|^ws$|chokidar|esbuild|pino/.test(p)),
    ).toEqual([]);
  });

  it("the daemon's side reaches a plugin host only through what crosses the thread", () => {
    const bad = graph.filter(
      (e) =>
        inside(DAEMON, e.from) && !inside(WORKER, e.from) && e.relative && inside(WORKER, e.to),
    );
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it('clients never import the daemon: they talk to it only through the protocol', () => {
    const bad = edgesFrom(CLIENTS).filter((e) => e.relative && inside(DAEMON, e.to));
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it("the client's browser entry imports nothing of Node, and bundles for a browser", async () => {
    const entry = path.join(CLIENTS, 'browser.ts');
    const { files, packages } = reachable(entry, { runtimeOnly: false });
    expect(files.size).toBeGreaterThan(1);
    expect(
      [...packages].filter((p) => p.startsWith('node:') || /^ws$|^vscode-jsonrpc\/node/.test(p)),
    ).toEqual([]);
    // esbuild refuses Node's built-ins for a browser: this fails on anything that slipped in.
    const built = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    expect(built.errors).toEqual([]);
  });

  it('the dashboard imports only itself, the browser entry of the clients, the protocol and Preact', () => {
    const DASHBOARD = path.join(CLIENTS, 'dashboard');
    const edges = edgesFrom(DASHBOARD);
    expect(edges.length).toBeGreaterThan(20); // the walk did read its .tsx views
    const bad = edges.filter((e) =>
      e.relative
        ? !inside(DASHBOARD, e.to) &&
          !inside(PROTOCOL, e.to) &&
          e.to !== path.join(CLIENTS, 'browser.ts')
        : !/^preact(\/hooks)?$/.test(e.to),
    );
    expect(bad.map(describeEdge)).toEqual([]);
  });

  it('has no import loops between files', () => {
    const internal = graph
      .filter((e) => e.relative)
      .map((e) => ({ from: src(e.from), to: src(e.to) }));
    expect(cycles(internal)).toEqual([]);
  });

  it('points one way between folders: no folder imports one that imports it back', () => {
    const folders = graph
      .filter((e) => e.relative && path.dirname(e.from) !== path.dirname(e.to))
      .map((e) => ({ from: src(path.dirname(e.from)), to: src(path.dirname(e.to)) }));
    expect(cycles(folders)).toEqual([]);
  });

  it('holds no more than 20 files in any folder of src', () => {
    expect(crowdedFolders(SRC)).toEqual([]);
  });

  it('holds no more than 20 files in any folder of test, test/fixtures aside', () => {
    // test/fixtures keeps the Red editor's plugins byte for byte as fetched; screenshots go to
    // test-artifacts/, beside test/, not in it.
    const TEST = path.join(ROOT, 'test');
    expect(crowdedFolders(TEST, [path.join(TEST, 'fixtures')])).toEqual([]);
  });
});

/** The folders under `root`, itself included and `skip` left out, that hold more than 20 files. */
function crowdedFolders(root: string, skip: string[] = []): string[] {
  const crowded: string[] = [];
  const visit = (dir: string) => {
    if (skip.includes(dir)) return;
    const entries = readdirSync(dir, { withFileTypes: true });
    const count = entries.filter((e) => e.isFile()).length;
    if (count > 20) crowded.push(`${path.relative(ROOT, dir)}: ${count} files`);
    for (const e of entries) if (e.isDirectory()) visit(path.join(dir, e.name));
  };
  visit(root);
  return crowded;
}
