import { z } from 'zod';
import { Direction, request } from './define.js';

/**
 * The Node inspector of a daemon started with `--inspect`: Chrome DevTools and VS Code attach
 * here, and reach every worker-thread plugin host through it (a process host has its own).
 */
export const InspectorInfo = z.object({
  /** The inspector's WebSocket: `ws://127.0.0.1:9229/<uuid>`. */
  url: z.string(),
  host: z.string(),
  port: z.number().int(),
  /** What to paste into Chrome's address bar to open DevTools on it. */
  devtoolsUrl: z.string(),
  /** Plugin code pauses where it throws (`--inspect-brk-on-error`, `daemon/setDebugOptions`). */
  breakOnError: z.boolean(),
  /**
   * Worker hosts, each served as a target of its own for Chrome DevTools (which opens a Node
   * process's main thread only); VS Code reaches them through `url` as well.
   */
  workerHosts: z.array(
    z.object({
      name: z.string(),
      plugins: z.array(z.string()),
      url: z.string(),
      devtoolsUrl: z.string(),
    }),
  ),
  /** Where chrome://inspect discovers the worker hosts: add it under "Configure…". */
  targetsAddress: z.string(),
  /**
   * Process hosts, each with an inspector of its own (`url`, for VS Code); `devtoolsUrl` opens
   * it in Chrome DevTools through the same endpoint as the worker hosts.
   */
  processHosts: z.array(
    z.object({
      name: z.string(),
      plugins: z.array(z.string()),
      url: z.string(),
      devtoolsUrl: z.string(),
    }),
  ),
});
export type InspectorInfo = z.infer<typeof InspectorInfo>;

export const DaemonSetDebugOptions = request(
  'daemon/setDebugOptions',
  Direction.ClientToDaemon,
  z.object({ breakOnError: z.boolean() }),
  z.object({ breakOnError: z.boolean() }),
);

/** Chrome DevTools' own front end, pointed at an inspector's WebSocket. */
export function devtoolsUrl(inspectorUrl: string): string {
  return `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${inspectorUrl.replace(/^ws:\/\//, '')}`;
}

/** A VS Code `launch.json` configuration that attaches to an inspector (worker threads included). */
export function vscodeAttachConfig(name: string, inspector: { host: string; port: number }) {
  return {
    type: 'node',
    request: 'attach',
    name,
    address: inspector.host,
    port: inspector.port,
    // The daemon's and Node's own code is not the author's: steps and exceptions skip it.
    skipFiles: ['<node_internals>/**', '**/node_modules/reloadd/dist/**'],
  };
}
