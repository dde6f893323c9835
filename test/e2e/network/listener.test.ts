import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, tempDir } from '../../helpers/files.js';
import { startStandalone } from '../../helpers/network.js';

/**
 * The daemon's port under requests no browser or client of reloadd sends: raw bytes over
 * node:net, so nothing in between fixes them up.
 */

const UPGRADE_HEADERS =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** A TCP connection to the port that writes `text` and keeps its own side open. */
function rawConnection(port: number, text: string) {
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      if (text) socket.write(text);
      resolve();
    });
    socket.once('error', reject);
  });
  /** Everything the daemon sent, once it has closed its side. */
  const ended = new Promise<string>((resolve, reject) => {
    socket.once('end', () => resolve(received));
    socket.once('error', reject);
  });
  return { socket, connected, ended };
}

async function standalone() {
  const workspace = await tempDir();
  const plugins = await tempDir();
  await editFile(path.join(plugins, 'p.js'), 'export function activate() {}');
  return startStandalone(workspace, plugins);
}

describe('the listener', () => {
  it('answers a target it cannot read as a path with 400 and closes, as a request and as an upgrade', async () => {
    const daemon = await standalone();
    const { port } = daemon.info;
    const host = `Host: 127.0.0.1:${port}\r\n`;
    for (const request of [
      `GET //[ HTTP/1.1\r\n${host}\r\n`,
      `GET //[ HTTP/1.1\r\n${host}${UPGRADE_HEADERS}\r\n`,
      `GET //evil.example/rpc HTTP/1.1\r\n${host}${UPGRADE_HEADERS}\r\n`,
    ]) {
      const { ended } = rawConnection(port, request);
      expect(await ended).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    }
    // The port still serves, and nothing was logged as a bug.
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.output() + daemon.errors()).not.toContain('a bug in reloadd');
  });

  it("refuses a Host that is not the daemon's own address with 403 (DNS rebinding), as a request and as an upgrade", async () => {
    const daemon = await standalone();
    const { port, token } = daemon.info;
    const ask = (host: string, extra = '') =>
      rawConnection(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`)
        .ended;
    const upgrade = (host: string) =>
      rawConnection(
        port,
        `GET /rpc HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n${UPGRADE_HEADERS}\r\n`,
      ).ended;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`]) {
      expect(await ask(host)).toMatch(
        /^HTTP\/1\.1 403 Forbidden\r\n.*is not this daemon's address/s,
      );
      expect(await upgrade(host)).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    }
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `LOCALHOST:${port}`,
    ])
      expect(await ask(host)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const opened = rawConnection(
      port,
      `GET /rpc HTTP/1.1\r\nHost: localhost:${port}\r\nAuthorization: Bearer ${token}\r\n${UPGRADE_HEADERS}\r\n`,
    );
    await new Promise<void>((resolve) => opened.socket.once('data', () => resolve()));
    opened.socket.destroy();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('stops promptly on SIGTERM with sockets left open in every state', async () => {
    const daemon = await standalone();
    const { port } = daemon.info;
    const host = `Host: 127.0.0.1:${port}\r\n`;
    // A refused upgrade whose client never closes its side, an idle connection, half a request.
    const refused = rawConnection(port, `GET //[ HTTP/1.1\r\n${host}${UPGRADE_HEADERS}\r\n`);
    const idle = rawConnection(port, '');
    const partial = rawConnection(port, `GET / HTTP/1.1\r\n${host}`);
    await Promise.all([refused.connected, idle.connected, partial.connected]);
    await refused.ended;
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    // It did not give up waiting: its own deadline says so when it does.
    expect(daemon.output() + daemon.errors()).not.toContain('stopping took longer');
    for (const { socket } of [refused, idle, partial]) socket.destroy();
  });
});
