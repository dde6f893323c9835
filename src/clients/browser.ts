/**
 * The client's browser entry: what a page (the dashboard) can import. Nothing here, nor anything
 * it imports, uses Node: connectBrowserSocket runs JSON-RPC over the browser's own WebSocket.
 * Node programs import index.ts, which adds spawning and finding a daemon.
 */
export * from './backoff.js';
export * from './browserSocket.js';
export * from './ReloaddClient.js';
