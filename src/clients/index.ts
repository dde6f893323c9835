/**
 * Clients of the reloadd daemon, for Node: the typed client an editor integration imports, over
 * stdio (spawning the daemon) or a WebSocket (finding a running one), and the CLI built on it.
 * A browser page imports browser.ts instead.
 *
 * Import rule: files here may import src/protocol, src/transport and libraries, never src/daemon:
 * a client talks to the daemon only through the protocol.
 */
export * from './backoff.js';
export * from './connectWebSocket.js';
export * from './findDaemon.js';
export * from './ReconnectingClient.js';
export * from './ReloaddClient.js';
export * from './spawnStdioDaemon.js';
