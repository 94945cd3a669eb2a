// The PROXY header reader: v1 and v2 (built here) at every split, garbage, the trust rules, and
// the bytes after the header, which must reach the next reader unchanged. The socket tests use
// real loopback connections.
import fc from 'fast-check';
import { BlockList, connect, createServer, type Server, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../../lib/logger.ts';
import { ProxyHeaderError, ProxyHeaderReader, scanHeader } from '../../../lib/server/proxy-header.ts';
import { proxyV1, proxyV2, V2_SIGNATURE } from '../../helpers/proxy.ts';

const test = suite('PROXY header');
const PIPELINED = Buffer.from('{"id":1,"type":"hello","version":1}\n{"id":2,"type":"ping"}\n');

/** Feeds `bytes` one more byte at a time, as a socket would deliver the worst split. */
function everySplit(bytes: Buffer, headerLength: number, expected: string | null): void {
  for (let n = 1; n <= bytes.length; n++) {
    const scan = scanHeader(bytes.subarray(0, n), true);
    if (n < headerLength) {
      assert.is(scan, null, `complete after only ${n} of ${headerLength} bytes`);
      continue;
    }
    assert.ok(scan, `incomplete after ${n} bytes`);
    assert.is(scan.address, expected);
    assert.equal([...scan.rest], [...bytes.subarray(headerLength, n)], 'the bytes after the header');
  }
}

const refused = (bytes: Buffer | string, trusted = true) =>
  assert.throws(() => scanHeader(Buffer.from(bytes as Buffer), trusted), (e: unknown) => e instanceof ProxyHeaderError);

test('v1 from nginx, IPv4 and IPv6, whole at every split, pipelined bytes kept', () => {
  for (const [source, expected] of [
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:0:0:0:0:0:7', '2001:db8::7'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
  ] as const) {
    const header = proxyV1(source, 51234, source.includes(':') ? '::1' : '127.0.0.1');
    everySplit(Buffer.concat([header, PIPELINED]), header.length, expected);
  }
  const unknown = Buffer.from('PROXY UNKNOWN\r\n');
  everySplit(Buffer.concat([unknown, PIPELINED]), unknown.length, null);
});

test('v2, IPv4 and IPv6, with TLVs, whole at every split; LOCAL names no client', () => {
  const tlv = Buffer.from([0x04, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]); // PP2_TYPE_NOOP
  const cases: [Buffer, string | null][] = [
    [proxyV2('203.0.113.7', 51234), '203.0.113.7'],
    [proxyV2('203.0.113.8', 1, '127.0.0.1', 6000, { tlv }), '203.0.113.8'],
    [proxyV2('2001:db8::7', 51234), '2001:db8::7'],
    [proxyV2('::ffff:cb00:7109', 2), '203.0.113.9'],
    [proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { verCmd: 0x20 }), null],
    [Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x00, 0x00, 0x00])]), null], // AF_UNSPEC
  ];
  for (const [header, expected] of cases) everySplit(Buffer.concat([header, PIPELINED]), header.length, expected);
});

test('garbage from a trusted proxy is refused', () => {
  refused(PIPELINED); // no header at all: a client connecting directly
  refused('PROXY TCP4 203.0.113.999 127.0.0.1 1 2\r\n');
  refused('PROXY TCP4 ::1 127.0.0.1 1 2\r\n');
  refused('PROXY TCP6 203.0.113.7 ::1 1 2\r\n');
  refused('PROXY TCP4 203.0.113.7 127.0.0.1 70000 2\r\n');
  refused('PROXY TCP5 203.0.113.7 127.0.0.1 1 2\r\n');
  refused('PROXY TCP4 203.0.113.7 127.0.0.1 1\r\n');
  refused('PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n');
  refused(`PROXY TCP4 ${'1'.repeat(101)}`); // 107 bytes and no CRLF
  refused(proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { verCmd: 0x11 })); // version 1 in binary
  refused(proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { verCmd: 0x22 })); // no such command
  refused(proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { famProto: 0x41 })); // no such family
  refused(proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { length: 4 })); // shorter than the addresses
  assert.is(scanHeader(Buffer.from('PROXY TCP4 '), true), null, 'a v1 line waits for its CRLF');
  assert.is(scanHeader(proxyV2('203.0.113.7', 1, '127.0.0.1', 6000, { length: 300 }), true), null, 'v2 waits for its length');
});

test('an untrusted peer may not send a header, and without one keeps its bytes', () => {
  refused(proxyV1('203.0.113.7'), false);
  refused('PROXY ', false);
  refused(V2_SIGNATURE, false);
  assert.is(scanHeader(Buffer.from('\r\n\r'), false), null, 'still a prefix of the v2 signature');
  assert.is(scanHeader(Buffer.from('PROX'), false), null);
  const scan = scanHeader(PIPELINED, false);
  assert.equal(scan && { address: scan.address, rest: scan.rest.toString() }, { address: null, rest: PIPELINED.toString() });
});

test('any bytes give an answer, a wait, or ProxyHeaderError, never another exception', () => {
  const starts = fc.constantFrom(Buffer.alloc(0), Buffer.from('PROXY '), Buffer.from('PROXY TCP4 '), Buffer.from('PROXY TCP6 '), V2_SIGNATURE, proxyV2('1.2.3.4').subarray(0, 14));
  fc.assert(
    fc.property(starts, fc.uint8Array({ maxLength: 200 }), fc.boolean(), (start, tail, trusted) => {
      const bytes = Buffer.concat([start, Buffer.from(tail)]);
      try {
        const scan = scanHeader(bytes, trusted);
        if (scan) assert.ok(scan.rest.length <= bytes.length);
      } catch (err) {
        assert.instance(err, ProxyHeaderError);
      }
    }),
    { numRuns: 3000 },
  );
});

// --- over real sockets --------------------------------------------------------------------

interface Accepted {
  address: Promise<string | null>;
  /** what the next reader (the line decoder) gets after the header */
  after: Promise<Buffer>;
  socket: Socket;
}

async function listen(trusted: string, timeoutMs = 5000): Promise<{ server: Server; port: number; accepted: Accepted[]; reader: ProxyHeaderReader }> {
  const list = new BlockList();
  list.addSubnet(trusted, 32, 'ipv4');
  const reader = new ProxyHeaderReader(list, createLogger('silent'), timeoutMs);
  const accepted: Accepted[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const address = reader.clientAddress(socket);
    const after = address.then(
      (a) =>
        new Promise<Buffer>((resolve) => {
          if (a === null) return resolve(Buffer.alloc(0));
          const chunks: Buffer[] = [];
          socket.on('data', (c: Buffer) => chunks.push(c));
          socket.on('end', () => {
            socket.end();
            resolve(Buffer.concat(chunks));
          });
        }),
    );
    accepted.push({ address, after, socket });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, accepted, reader };
}

/** Connects, writes each piece in its own tick, half-closes unless told not to, and collects the reply. */
async function peer(port: number, pieces: Buffer[], localAddress = '127.0.0.1', end = true): Promise<{ reply: Promise<string>; socket: Socket }> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise((r) => socket.once('connect', r));
  let text = '';
  socket.setEncoding('utf8').on('data', (d: string) => (text += d));
  const reply = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.on('error', () => {});
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (end) socket.end();
  return { reply, socket };
}

const waitFor = async (n: () => number, count: number) => {
  for (let i = 0; i < 1000 && n() < count; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(n() >= count, 'the server did not accept');
};

test('a trusted proxy: the header names the client, and the pipelined bytes reach the next reader unchanged', async () => {
  const { server, port, accepted } = await listen('127.0.0.1');
  try {
    const header = proxyV1('203.0.113.7');
    // split inside the header, and the header's end sharing a chunk with the first request
    const bytes = Buffer.concat([header, PIPELINED]);
    const { reply } = await peer(port, [bytes.subarray(0, 3), bytes.subarray(3, 20), bytes.subarray(20, header.length + 5), bytes.subarray(header.length + 5)]);
    await waitFor(() => accepted.length, 1);
    assert.is(await accepted[0]!.address, '203.0.113.7');
    assert.is((await accepted[0]!.after).toString(), PIPELINED.toString());
    await reply;
    const v2 = await peer(port, [Buffer.concat([proxyV2('2001:db8::7'), PIPELINED])]);
    await waitFor(() => accepted.length, 2);
    assert.is(await accepted[1]!.address, '2001:db8::7');
    assert.is((await accepted[1]!.after).toString(), PIPELINED.toString());
    await v2.reply;
  } finally {
    server.close();
  }
});

test('refused with CHAT_ERR_PROXY_HEADER: a trusted proxy without a header, an untrusted peer with one', async () => {
  const trusting = await listen('127.0.0.1');
  const distrusting = await listen('127.0.0.9');
  try {
    const direct = await peer(trusting.port, [PIPELINED]);
    await waitFor(() => trusting.accepted.length, 1);
    assert.is(await trusting.accepted[0]!.address, null);
    assert.is(JSON.parse(await direct.reply).code, 'CHAT_ERR_PROXY_HEADER');

    const spoof = await peer(distrusting.port, [proxyV1('203.0.113.7'), PIPELINED], '127.0.0.2');
    await waitFor(() => distrusting.accepted.length, 1);
    assert.is(await distrusting.accepted[0]!.address, null);
    assert.is(JSON.parse(await spoof.reply).code, 'CHAT_ERR_PROXY_HEADER');

    const plain = await peer(distrusting.port, [PIPELINED.subarray(0, 1), PIPELINED.subarray(1)], '127.0.0.2');
    await waitFor(() => distrusting.accepted.length, 2);
    assert.is(await distrusting.accepted[1]!.address, '127.0.0.2', 'an untrusted peer without a header is its own address');
    assert.is((await distrusting.accepted[1]!.after).toString(), PIPELINED.toString());
    await plain.reply;
  } finally {
    trusting.server.close();
    distrusting.server.close();
  }
});

test('time and bytes are bounded: a silent or endless trusted peer is refused, a silent untrusted one served', async () => {
  const trusting = await listen('127.0.0.1', 100);
  const distrusting = await listen('127.0.0.9', 100);
  try {
    const silent = await peer(trusting.port, [Buffer.from('PROXY TCP4 ')], '127.0.0.1', false);
    await waitFor(() => trusting.accepted.length, 1);
    assert.is(await trusting.accepted[0]!.address, null);
    assert.is(JSON.parse(await silent.reply).code, 'CHAT_ERR_PROXY_HEADER');

    const endless = await peer(trusting.port, [Buffer.from('PROXY TCP4 '), Buffer.alloc(200, '1')], '127.0.0.1', false);
    await waitFor(() => trusting.accepted.length, 2);
    assert.is(await trusting.accepted[1]!.address, null);
    assert.is(JSON.parse(await endless.reply).code, 'CHAT_ERR_PROXY_HEADER');

    const quiet = await peer(distrusting.port, [], '127.0.0.2', false);
    await waitFor(() => distrusting.accepted.length, 1);
    assert.is(await distrusting.accepted[0]!.address, '127.0.0.2');
    quiet.socket.end(PIPELINED);
    assert.is((await distrusting.accepted[0]!.after).toString(), PIPELINED.toString());
  } finally {
    trusting.server.close();
    distrusting.server.close();
  }
});

test('a peer that leaves before its header, and destroyAll, end the read with null', async () => {
  const { server, port, accepted, reader } = await listen('127.0.0.1');
  try {
    const gone = await peer(port, [Buffer.from('PROXY TCP4 203.0')]);
    await waitFor(() => accepted.length, 1);
    assert.is(await accepted[0]!.address, null);
    assert.is(await gone.reply, '', 'no frame for a peer that left');
    const pending = await peer(port, [], '127.0.0.1', false);
    await waitFor(() => accepted.length, 2);
    reader.destroyAll();
    assert.is(await accepted[1]!.address, null);
    await pending.reply;
  } finally {
    server.close();
  }
});

test.run();
