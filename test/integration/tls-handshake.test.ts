// test-timeout: 90
// TLS peers that never finish the handshake: a port scan or a health check that connects and says
// nothing must cost the server nothing once the handshake times out, and must not hold up a stop.
import { readdirSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCerts, type TestCerts } from '../helpers/certs.ts';
import { startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const SILENT = 40;

const test = suite('tls handshake');
let certs: TestCerts;

test.before(() => {
  certs = makeCerts();
});

function openDescriptors(server: RunningServer): number {
  return readdirSync(`/proc/${server.proc.pid}/fd`).length;
}

function openSilent(port: number, n: number): Promise<Socket[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  })));
}

/** The first bytes a TLS client sends (its ClientHello), captured from a real handshake attempt. */
async function clientHello(): Promise<Buffer> {
  const { connect: tlsConnect } = await import('node:tls');
  return new Promise((resolve, reject) => {
    const sink = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        sink.close();
      });
    });
    sink.listen(0, '127.0.0.1', () => {
      const { port } = sink.address() as { port: number };
      const client = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false });
      client.on('error', () => {});
    });
    sink.on('error', reject);
  });
}

test('silent TLS connections are closed at the handshake timeout and their descriptors come back', async () => {
  const server = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key, '--tls-handshake-timeout-ms', '2000'] });
  try {
    const baseline = openDescriptors(server);
    const clients = await openSilent(server.port, SILENT);
    const closedByServer = new Set<Socket>();
    for (const c of clients) {
      c.on('error', () => {});
      c.on('end', () => closedByServer.add(c));
      c.resume();
    }
    await waitFor(() => openDescriptors(server) >= baseline + SILENT, 10_000, 'the server to accept every socket');
    await waitFor(() => openDescriptors(server) <= baseline, 10_000,
      `descriptors back to ${baseline} while the clients are still connected`);
    await waitFor(() => closedByServer.size === SILENT, 5_000, `the server to close all ${SILENT} silent sockets`);
    for (const c of clients) c.destroy();
    await waitFor(() => openDescriptors(server) <= baseline, 10_000,
      `descriptors back to ${baseline} after the clients closed`);
  } finally {
    await server.stop('SIGKILL');
  }
});

test('SIGTERM with silent and half-done TLS handshakes open: the server logs stopped and exits 0', async () => {
  // The handshake timeout is far away: the stop itself has to deal with these sockets.
  const server = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key, '--tls-handshake-timeout-ms', '600000'] });
  const silent = await openSilent(server.port, 5);
  const [halfDone] = await openSilent(server.port, 1);
  const serverHello = new Promise<void>((resolve) => halfDone!.once('data', () => resolve()));
  halfDone!.write(await clientHello());
  await serverHello; // the server answered and now waits for the rest of the handshake, forever
  for (const s of [...silent, halfDone!]) s.on('error', () => {});
  const code = await server.stop('SIGTERM');
  const stderr = server.proc.stderr!;
  if (!stderr.readableEnded) await new Promise((resolve) => stderr.once('end', resolve));
  const messages = server.logs.map((l) => { try { return JSON.parse(l).msg; } catch { return l; } });
  assert.ok(messages.includes('stopping'), messages.join('\n'));
  assert.ok(messages.includes('stopped'), `no "stopped" in the log:\n${messages.join('\n')}`);
  assert.is(code, 0);
  for (const s of [...silent, halfDone!]) s.destroy();
});

test.run();
