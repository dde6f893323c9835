/**
 * The client's browser entry: what a page (the dashboard) can import. Nothing here, nor anything
 * it imports, uses Node: the page brings its own JSON-RPC connection over the browser's
 * WebSocket. Node programs import index.ts, which adds spawning and finding a daemon.
 */
export * from './backoff.js';
export * from './ReloaddClient.js';
