/**
 * Clients of the reloadd daemon. Import rule: files here may import src/protocol and libraries,
 * never src/daemon: a client talks to the daemon only through the protocol.
 */
export * from './ReloaddClient.js';
