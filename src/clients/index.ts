/**
 * Clients of the reloadd daemon: the typed client an editor integration imports, over stdio or a
 * WebSocket, and the CLI built on it.
 *
 * Import rule: files here may import src/protocol, src/transport and libraries, never src/daemon:
 * a client talks to the daemon only through the protocol.
 */
export * from './backoff.js';
export * from './connectWebSocket.js';
export * from './findDaemon.js';
export * from './ReconnectingClient.js';
export * from './ReloaddClient.js';
