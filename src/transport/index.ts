/**
 * How a client reaches a running daemon: the discovery file that says where it listens, and
 * JSON-RPC over a WebSocket. The daemon and its clients share this code.
 *
 * Import rule: files in src/transport import only node, vscode-jsonrpc, ws and src/protocol. The
 * daemon and the clients may import this folder; it imports neither of them.
 */
export * from './daemonFile.js';
export * from './discoveryTrust.js';
export * from './lspFraming.js';
export * from './webSocketMessages.js';
